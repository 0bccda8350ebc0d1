/*
 * image.h - what the host writes at the start of the model flash region (__model_start) before
 * the first instruction: this 32-byte header, the model at offset 32 (16-aligned). The input bytes
 * go to the linker's input region (__input_start, flag SRT_IMAGE_INPUT_REGION) when they fit it,
 * else after the model at the next 16-aligned offset. Little-endian. simprof/rt/protocol.py parses
 * this file to pack it.
 */
#ifndef SRT_IMAGE_H
#define SRT_IMAGE_H

#include <stdint.h>

#define SRT_IMAGE_MAGIC 0x4D545253u   /* "SRTM" */
#define SRT_IMAGE_VERSION 1u
#define SRT_IMAGE_HEADER_SIZE 32u

/* flags */
#define SRT_IMAGE_RECORDING 0x1u      /* model the Python wrapper's recording allocators */
#define SRT_IMAGE_NO_INVOKE 0x2u      /* setup only (arena bisection) */
#define SRT_IMAGE_INPUT_REGION 0x4u   /* input at __input_start (input_offset unused) */

typedef struct {
    uint32_t magic;
    uint16_t version;
    uint16_t header_size;
    uint32_t model_len;
    uint32_t input_offset;   /* from the model region start; 16-aligned, after the model */
    uint32_t input_len;
    uint32_t arena_size;     /* bytes of tensor_arena to use; 0 = all of it */
    uint32_t flags;
    uint32_t reserved;
} srt_image_header;

_Static_assert(sizeof(srt_image_header) == SRT_IMAGE_HEADER_SIZE, "header layout is fixed");

#endif /* SRT_IMAGE_H */
