"""Emulator side of simprof: cached firmware builds, QEMU sessions, gdb-stub fill-and-read."""
