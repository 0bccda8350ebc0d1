/* Stand-in simprof-rt firmware entry used to generate the calibration files in this folder
 * (python -m simprof.estimator.calibrate --main platforms/calibration/srt_entry.c --measure):
 * set up the model written at __model_start in the whole tensor_arena, run one inference, exit.
 * Regenerate with the firmware's own entry once firmware/ provides one. */
#include <stdint.h>
#include <stdlib.h>
#include "interpreter.h"
extern const uint8_t __model_start[], __model_end[];
extern uint8_t tensor_arena[], __tensor_arena_end[];
static srt_ctx ctx;
int main(void)
{
    srt_config cfg = { .recording = false };
    srt_status st = srt_setup(&ctx, &cfg, __model_start, (uint32_t)(__model_end - __model_start),
                              tensor_arena, (size_t)(__tensor_arena_end - tensor_arena));
    if (st == SRT_OK)
        st = srt_invoke(&ctx);
    exit(st == SRT_OK ? 0 : 10 + (int)st);
}
