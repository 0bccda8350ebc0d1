"""The wire format between the host and simprof-rt, read from the C headers that define it.

Two structures cross the boundary: the image header the host writes at `__model_start`
(firmware/app/image.h) and the report the firmware leaves in `simprof_report`
(firmware/runtime/report.h). Their layouts are parsed from those headers once per process, so a
field added in C changes the host with it: nothing here restates an offset or a size.

    raw = pack_image(model, inputs, arena_size=0, flags=0)
    report = parse_report(gdb.read_memory(addr, report_size()))
"""
from __future__ import annotations

import functools
import re
import struct
from dataclasses import dataclass

from simprof.core.errors import EmulatorError
from simprof.core.results import RuntimeReport
from simprof.firmware import SOURCE_DIR

REPORT_HEADER = SOURCE_DIR / "runtime" / "report.h"
IMAGE_HEADER = SOURCE_DIR / "app" / "image.h"
KERNEL_HEADER = SOURCE_DIR / "runtime" / "srt_kernel.h"
STOP_SYMBOL = "simprof_done"
REPORT_SYMBOL = "simprof_report"
RUNNING = 0xFFFFFFFF

_C_TYPES = {"uint32_t": "I", "uint16_t": "H", "uint8_t": "B", "int32_t": "i", "char": "s"}
_DEFINE = re.compile(r"^\s*#define\s+(\w+)\s+(0x[0-9A-Fa-f]+|\d+)u?\b", re.M)
_FIELD = re.compile(r"^\s*(\w+)\s+(\w+)\s*(?:\[(\w+)\])?\s*;", re.M)


@dataclass(frozen=True)
class CStruct:
    """A packed little-endian C struct of fixed-width fields, as its header declares it."""
    name: str
    fields: tuple[tuple[str, str, int], ...]   # (field, struct code, count)
    layout: struct.Struct

    @property
    def size(self) -> int:
        return self.layout.size


@dataclass(frozen=True)
class Header:
    """The #define constants and one typedef'd struct of a C header."""
    defines: dict
    struct: CStruct


def _parse_header(path, typedef: str) -> Header:
    text = path.read_text()
    defines = {m[1]: int(m[2], 0) for m in _DEFINE.finditer(text)}
    body = re.search(r"typedef\s+struct\s*\{(?P<body>.*?)\}\s*" + typedef + r"\s*;", text, re.S)
    if body is None:
        raise EmulatorError(f"{path.name} declares no struct {typedef}", fix="reinstall simprof")
    fields, fmt = [], "<"
    for m in _FIELD.finditer(re.sub(r"/\*.*?\*/", "", body["body"], flags=re.S)):
        ctype, name, dim = m[1], m[2], m[3]
        code = _C_TYPES.get(ctype)
        if code is None:
            raise EmulatorError(f"{path.name}: field {name} has type {ctype}, which the host cannot read",
                                fix="use fixed-width integer fields in the wire structs")
        count = 1 if dim is None else (int(dim) if dim.isdigit() else defines[dim])
        fields.append((name, code, count))
        fmt += f"{count}s" if code == "s" else f"{count}{code}" if count > 1 else code
    layout = struct.Struct(fmt)
    asserted = re.search(r"sizeof\(" + typedef + r"\)\s*==\s*(\w+)", text)
    if asserted:
        want = int(asserted[1]) if asserted[1].isdigit() else defines[asserted[1]]
        if want != layout.size:
            raise EmulatorError(f"{path.name}: {typedef} parses to {layout.size} B, the header asserts {want} B",
                                fix="keep the wire structs free of padding")
    return Header(defines, CStruct(typedef, tuple(fields), layout))


@functools.cache
def report_header() -> Header:
    return _parse_header(REPORT_HEADER, "simprof_report_t")


@functools.cache
def image_header() -> Header:
    return _parse_header(IMAGE_HEADER, "srt_image_header")


def report_size() -> int:
    return report_header().struct.size


def image_flag(name: str) -> int:
    """SRT_IMAGE_<name> of image.h: RECORDING, NO_INVOKE, INPUT_REGION."""
    return image_header().defines[f"SRT_IMAGE_{name}"]


@functools.cache
def status_names() -> dict[int, str]:
    """srt_status of srt_kernel.h, value -> short name ("ok", "model", "unsupported", "arena", ...)."""
    text = KERNEL_HEADER.read_text()
    body = re.search(r"typedef\s+enum\s*\{(?P<body>.*?)\}\s*srt_status\s*;", text, re.S)
    if body is None:
        raise EmulatorError("srt_kernel.h declares no srt_status", fix="reinstall simprof")
    names = {int(m[2]): ("ok" if m[1] == "OK" else m[1].removeprefix("ERR_").lower())
             for m in re.finditer(r"SRT_(\w+)\s*=\s*(\d+)", body["body"])}
    return names


def status_value(name: str) -> int:
    return next(v for v, n in status_names().items() if n == name)


def _unpack(st: CStruct, raw: bytes) -> dict:
    """Field name -> value; an array field gives a tuple, a char array bytes."""
    flat = iter(st.layout.unpack(raw[:st.size]))
    return {name: next(flat) if code == "s" or count == 1 else tuple(next(flat) for _ in range(count))
            for name, code, count in st.fields}


def parse_report(raw: bytes) -> RuntimeReport:
    """simprof_report as the firmware left it; refuses memory the runtime never wrote."""
    hdr = report_header()
    v = _unpack(hdr.struct, raw)
    if v["magic"] != hdr.defines["SRT_REPORT_MAGIC"] or v["version"] != hdr.defines["SRT_REPORT_VERSION"]:
        raise EmulatorError("simprof_report was never written (firmware did not start the runtime)",
                            fix="check the firmware's console output")
    n_out = min(v["n_outputs"], hdr.defines["SRT_REPORT_MAX_OUTPUTS"])
    status = v["status"]
    return RuntimeReport(
        status=status, status_name="running" if status == RUNNING else status_names().get(status, str(status)),
        phase=v["phase"], arena_size=v["arena_size"], arena_start_pad=v["arena_start_pad"],
        head=v["head"], tail=v["tail"], temp_hwm=v["temp_hwm"], need=v["need"], missing=v["missing"],
        n_subgraphs=v["n_subgraphs"], n_tensors=v["n_tensors"], n_ops=v["n_ops"], n_scratch=v["n_scratch"],
        n_planned=v["n_planned"], op_index=v["op_index"], recording=bool(v["recording"]),
        arena_addr=v["arena_addr"], outputs=tuple(zip(v["out_addr"][:n_out], v["out_len"][:n_out])),
        message=v["message"].split(b"\0", 1)[0].decode("utf-8", "replace"))


def pack_image(model: bytes, inputs: bytes = b"", *, arena_size: int = 0, flags: int = 0,
               input_in_region: bool = False) -> bytes:
    """The model region's bytes: header + model (at the header size) [+ input at the next 16-aligned
    offset, unless input_in_region: then the caller writes `inputs` to __input_start itself]."""
    hdr = image_header()
    size = hdr.defines["SRT_IMAGE_HEADER_SIZE"]
    after = bool(inputs) and not input_in_region
    in_off = (size + len(model) + 15) // 16 * 16 if after else 0
    if input_in_region:
        flags |= image_flag("INPUT_REGION")
    values = {"magic": hdr.defines["SRT_IMAGE_MAGIC"], "version": hdr.defines["SRT_IMAGE_VERSION"],
              "header_size": size, "model_len": len(model), "input_offset": in_off, "input_len": len(inputs),
              "arena_size": arena_size, "flags": flags}
    head = hdr.struct.layout.pack(*(values.get(name, 0) for name, _, _ in hdr.struct.fields))
    body = head + model
    if after:
        body += b"\0" * (in_off - len(body)) + inputs
    return body
