"""firmware/user/simprof_tflm_profiler.h compiles as C++ against TFLM's profiler interface and
turns TFLM's BeginEvent/EndEvent calls into simprof_op_begin(i)/simprof_op_end(i) with i counting
the operators of one Invoke. The interface is declared here as TFLM documents it
(tensorflow/lite/micro/micro_profiler_interface.h: a virtual destructor, BeginEvent(const char*)
returning uint32_t, EndEvent(uint32_t)); the host C++ compiler stands in for the target's."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from simprof.firmware import SOURCE_DIR

INTERFACE = """#pragma once
#include <cstdint>
namespace tflite {
class MicroProfilerInterface {
 public:
  virtual ~MicroProfilerInterface() {}
  virtual uint32_t BeginEvent(const char* tag) = 0;
  virtual void EndEvent(uint32_t event_handle) = 0;
};
}  // namespace tflite
"""

MAIN = r"""#include <cstdio>
#include "simprof_tflm_profiler.h"
extern "C" void simprof_op_begin(uint32_t i) { std::printf("b%u ", (unsigned)i); }
extern "C" void simprof_op_end(uint32_t i) { std::printf("e%u ", (unsigned)i); }
// What TFLM's MicroInterpreterGraph::InvokeSubgraph does around each operator.
static void invoke(tflite::MicroProfilerInterface* p, int ops) {
  for (int i = 0; i < ops; ++i) { uint32_t h = p->BeginEvent("OP"); p->EndEvent(h); }
}
int main() {
  simprof::TflmProfiler profiler;
  profiler.Reset(); invoke(&profiler, 3);
  profiler.Reset(); invoke(&profiler, 2);
  return 0;
}
"""


def test_profiler_header_marks_each_operator(tmp_path):
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        pytest.fail("no host C++ compiler (g++): scripts/setup.sh installs it")
    inc = tmp_path / "tensorflow" / "lite" / "micro"
    inc.mkdir(parents=True)
    (inc / "micro_profiler_interface.h").write_text(INTERFACE)
    (tmp_path / "main.cpp").write_text(MAIN)
    exe = tmp_path / "prof"
    subprocess.run([cxx, "-std=c++11", "-Wall", "-Wextra", "-Werror", f"-I{tmp_path}", f"-I{SOURCE_DIR / 'user'}",
                    str(tmp_path / "main.cpp"), "-o", str(exe)], check=True, capture_output=True, text=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split()
    assert out == ["b0", "e0", "b1", "e1", "b2", "e2", "b0", "e0", "b1", "e1"]
