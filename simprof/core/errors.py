"""One error tree for all of simprof. Library code raises these; only the CLI turns them into
messages and exit codes (0 ok, 1 error, 2 usage, 3 result outside tolerance/budget).

Every error carries a one-line `message` naming the cause and a `fix` naming what to do.
"""
from __future__ import annotations


class SimprofError(Exception):
    """Base of every error simprof raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, fix: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.details = details

    def one_line(self) -> str:
        text = self.message.rstrip(".")
        if self.fix:
            text += f" — fix: {self.fix}"
        return text


class UsageError(SimprofError):
    exit_code = 2


class ModelFormatError(SimprofError):
    """The .tflite file is missing, truncated or corrupt."""


class UnsupportedOperatorError(SimprofError):
    """The model uses an operator or tensor type simprof cannot handle."""


class PlatformError(SimprofError):
    """Unknown platform id or a bad platform YAML file."""


class ToolchainError(SimprofError):
    """A required external tool (compiler, QEMU) is missing or unusable."""


class BuildError(SimprofError):
    """The firmware failed to build."""


class ElfError(SimprofError):
    """The ELF file is missing, unreadable, or does not fit the platform."""


class DoesNotFitError(SimprofError):
    """The model or firmware does not fit the platform's flash or RAM."""


class EmulatorError(SimprofError):
    """The emulator failed to start or misbehaved."""


class EmulatorTimeout(EmulatorError):
    """The firmware did not reach its stop point in time."""


class HardFault(EmulatorError):
    """The firmware hard-faulted."""


class FirmwareError(EmulatorError):
    """The firmware ran but reported an error (non-zero exit)."""


class OutputError(SimprofError):
    """An output path simprof must not or cannot write (not a regular file, an input, unwritable)."""


class BudgetExceeded(SimprofError):
    """A result is outside a requested budget or tolerance."""

    exit_code = 3
