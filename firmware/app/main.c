/*
 * main.c - the simprof-rt firmware: one image per platform, any model.
 *
 * The host writes image.h's header and the model into the flash model region, and the input into
 * the input region (or after the model when it is larger), before the first instruction. The firmware runs setup and one inference with the arena `tensor_arena`
 * (.noinit, sized by the linker from the platform's RAM; the header may ask for fewer bytes, as
 * --min-arena's bisection does), fills `simprof_report` (report.h) and calls simprof_done() -
 * a noinline function the host breaks on, since Renode ignores semihosting - then exits with
 * 0, or 10 + srt_status on error. Errors are also printed over semihosting.
 */
#include <string.h>

#include "image.h"
#include "interpreter.h"
#include "simprof_board.h"

simprof_report_t simprof_report;
static srt_ctx ctx;

void simprof_done(void) __attribute__((noinline, used, section(".text.simprof_bp.done")));
void simprof_done(void)
{
    __asm volatile("" ::: "memory");
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static int finish(srt_status st, const char *msg)
{
    if (msg != NULL) {   /* the header was wrong: the runtime never started */
        memset(&simprof_report, 0, sizeof simprof_report);
        simprof_report.magic = SRT_REPORT_MAGIC;
        simprof_report.version = SRT_REPORT_VERSION;
        simprof_report.status = (uint32_t)st;
        simprof_report.op_index = 0xFFFFFFFFu;
        strncpy(simprof_report.message, msg, sizeof simprof_report.message - 1);
    } else {
        srt_fill_report(&ctx, &simprof_report);
    }
    if (st != SRT_OK) {
        simprof_puts("simprof-rt error: ");
        simprof_puts(simprof_report.message);
        simprof_puts("\n");
    }
    simprof_done();
    return st == SRT_OK ? 0 : 10 + (int)st;
}

int main(void)
{
    simprof_report.status = 0xFFFFFFFFu;   /* running */
    const uint8_t *region = __model_start;
    uint32_t capacity = (uint32_t)(__model_end - __model_start);
    if (capacity < SRT_IMAGE_HEADER_SIZE || rd32(region) != SRT_IMAGE_MAGIC)
        return finish(SRT_ERR_INPUT, "no simprof-rt image in the model region (bad magic)");
    srt_image_header h;
    memcpy(&h, region, sizeof h);
    if (h.version != SRT_IMAGE_VERSION || h.header_size != SRT_IMAGE_HEADER_SIZE)
        return finish(SRT_ERR_INPUT, "simprof-rt image header version mismatch");
    const uint8_t *input = region + h.input_offset;
    if (h.model_len > capacity - SRT_IMAGE_HEADER_SIZE)
        return finish(SRT_ERR_INPUT, "simprof-rt image does not fit the model region");
    if (h.flags & SRT_IMAGE_INPUT_REGION) {
        input = __input_start;
        if (h.input_len > (uint32_t)(__input_end - __input_start))
            return finish(SRT_ERR_INPUT, "input does not fit the input region");
    } else if (h.input_offset > capacity || h.input_len > capacity - h.input_offset ||
               (h.input_len > 0 && h.input_offset < SRT_IMAGE_HEADER_SIZE + h.model_len)) {
        return finish(SRT_ERR_INPUT, "input does not fit the model region after the model");
    }
    size_t arena_size = simprof_arena_size();
    if (h.arena_size > arena_size)
        return finish(SRT_ERR_ARENA, "requested arena is larger than tensor_arena");
    if (h.arena_size != 0)
        arena_size = h.arena_size;
    srt_config cfg = {.recording = (h.flags & SRT_IMAGE_RECORDING) != 0};
    srt_status st = srt_setup(&ctx, &cfg, region + SRT_IMAGE_HEADER_SIZE, h.model_len, tensor_arena,
                              arena_size);
    if (st == SRT_OK && !(h.flags & SRT_IMAGE_NO_INVOKE)) {
        st = srt_set_input(&ctx, input, h.input_len);
        if (st == SRT_OK)
            st = srt_invoke(&ctx);
    }
    return finish(st, NULL);
}
