/*
 * simprof_tflm_profiler.h - per-operator marks for `simprof calibrate --elf` and
 * `simprof measure --elf` in your own TensorFlow Lite Micro application.
 *
 * TFLM calls a MicroProfilerInterface around every operator's Invoke (micro_interpreter_graph,
 * unless built with TF_LITE_STRIP_ERROR_STRINGS). This one calls simprof_op_begin(i) and
 * simprof_op_end(i), where i counts the operators of one Invoke; simprof sets breakpoints on
 * those two functions and paints the stack and arena around each operator.
 *
 *     #include "simprof_tflm_profiler.h"
 *     static simprof::TflmProfiler profiler;
 *     static tflite::MicroInterpreter interpreter(model, resolver, tensor_arena, kArenaSize,
 *                                                 nullptr, &profiler);
 *     ...
 *     profiler.Reset();            // before each Invoke: operator i is the model's operator i
 *     interpreter.Invoke();
 *
 * Link firmware/board/simprof_markers.c (C, defines the two marker functions; keep them
 * out of line) or define them yourself with the same names and signatures. Written against
 * TFLM's documented interface (tensorflow/lite/micro/micro_profiler_interface.h).
 */
#ifndef SIMPROF_TFLM_PROFILER_H
#define SIMPROF_TFLM_PROFILER_H

#include <cstdint>

#include "tensorflow/lite/micro/micro_profiler_interface.h"

extern "C" {
void simprof_op_begin(uint32_t index);
void simprof_op_end(uint32_t index);
}

namespace simprof {

class TflmProfiler : public tflite::MicroProfilerInterface {
 public:
  // Operator numbering restarts at 0 (call before each Invoke).
  void Reset() { next_ = 0; }

  uint32_t BeginEvent(const char* tag) override {
    (void)tag;
    const uint32_t index = next_++;
    simprof_op_begin(index);
    return index;
  }

  void EndEvent(uint32_t event_handle) override { simprof_op_end(event_handle); }

 private:
  uint32_t next_ = 0;
};

}  // namespace simprof

#endif  // SIMPROF_TFLM_PROFILER_H
