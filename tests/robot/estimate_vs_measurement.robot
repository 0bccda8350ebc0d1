*** Settings ***
Documentation       Estimates against measurements under QEMU (real arm-none-eabi-gcc, real QEMU).
...
...                 Firmware ELF: a user firmware whose memory use is known by construction
...                 (tests/fixtures/firmware/known_usage.c: its author's "estimate" is what the
...                 code writes) is measured on three platforms and must match to the byte.
...                 Models: the static estimate for simprof-rt must equal what the simprof-rt
...                 firmware needs under QEMU: the smallest arena it sets up and runs with (found
...                 by bisecting the arena size) and the painted persistent tail, on four models.
...                 (The painted head is not compared: it also holds setup temporaries.)
...                 QEMU and gcc missing: skipped outside CI, a failure under CI=true.
Library             simprof.robot
Library             Collections
Suite Setup         Prepare
Test Tags           qemu    measurement


*** Variables ***
${FIXTURES}         ${CURDIR}/../fixtures/firmware
${EXAMPLE}          ${CURDIR}/../../examples/kws_dscnn_int8.tflite
${MODELS}           ${OUTPUT DIR}/models
# What tests/fixtures/firmware/known_usage.c writes (see its header): stack depth of main and of
# its three "operators", arena head and tail. The heap gets one malloc(1000) (+ allocator header).
&{KNOWN}            stack_bytes=3000    arena_head_bytes=1000    arena_tail_bytes=600
...                 arena_bytes=1600    platform=known_usage.c


*** Test Cases ***
Known-usage firmware on STM32F4 matches its construction
    Firmware Should Match Its Construction    stm32f4

Known-usage firmware on nRF52840 matches its construction
    Firmware Should Match Its Construction    nrf52840

Known-usage firmware on nRF51 (Cortex-M0) matches its construction
    Firmware Should Match Its Construction    nrf51

Measured firmware fits its platform and survives a JSON round trip
    ${elf}=    Build Firmware ELF    nrf51    ${FIXTURES}/known_usage.c    name=known_usage
    ${m}=    Measure Peak RAM    ${elf}    nrf51
    ${total}=    Peak RAM Should Fit Platform    ${m}    nrf51    margin=50%
    Should Be Equal As Integers    ${total}    ${m.total_bytes}
    ${path}=    Save Result As JSON    ${m}    ${OUTPUT DIR}/known_usage-nrf51.json
    ${loaded}=    Load Result JSON    ${path}
    Result Field Should Be    ${loaded}    arena_head_bytes    1000
    Result Field Should Be    ${loaded}    operators.1.stack_bytes    2048
    Result Field Should Be At Most    ${loaded}    stack_bytes    3000
    Run Keyword And Expect Error    firmware.elf does not fit nrf51: measured peak RAM * B (static * + stack 3,000 + arena 1,600 + heap *) > 4,096 B allowed (budget 4,096 B - 0% margin)
    ...    Peak RAM Should Fit Platform    ${loaded}    nrf51    budget=4 KiB

A measurement over budget fails naming firmware, platform, budget and measured figure
    ${elf}=    Build Firmware ELF    stm32f4    ${FIXTURES}/known_usage.c    name=known_usage
    Run Keyword And Expect Error
    ...    firmware.elf does not fit stm32f4: measured peak RAM * B (static * + stack 3,000 + arena 1,600 + heap *) > 4,096 B allowed (budget 4,096 B - 0% margin)
    ...    Peak RAM Should Fit Platform    ${elf}    stm32f4    budget=4 KiB    source=measurement

Estimates match measurements on models
    [Template]    Estimate Should Match Measurement On Model
    ${EXAMPLE}    stm32f4
    ${MODELS}/conv_2d_int8.tflite    stm32f4
    ${MODELS}/depthwise_conv_2d_int8.tflite    nrf52840
    ${MODELS}/fully_connected_int8.tflite    nrf51


*** Keywords ***
Prepare
    Require Emulator    qemu
    Write Example Models    ${MODELS}    conv_2d_int8    depthwise_conv_2d_int8    fully_connected_int8

Firmware Should Match Its Construction
    [Arguments]    ${platform}
    ${elf}=    Build Firmware ELF    ${platform}    ${FIXTURES}/known_usage.c    name=known_usage
    ${m}=    Measure Peak RAM    ${elf}    ${platform}
    Estimate Should Match Measurement Within    ${KNOWN}    ${m}    0
    ...    fields=stack_bytes,arena_head_bytes,arena_tail_bytes,arena_bytes
    Result Field Should Be    ${m}    operators.0.stack_bytes    1536
    Result Field Should Be    ${m}    operators.1.stack_bytes    2048
    Result Field Should Be    ${m}    operators.2.stack_bytes    1024
    Result Field Should Be    ${m}    operators.2.arena_written_bytes    24
    Should Be True    1000 <= ${m.heap_bytes} <= 1016    heap: one malloc(1000) plus its header

Estimate Should Match Measurement On Model
    [Arguments]    ${model}    ${platform}
    ${e}=    Estimate Peak RAM    ${model}    ${platform}    runtime=simprof-rt
    ${m}=    Measure Peak RAM    ${model}    ${platform}    min_arena=True
    Estimate Should Match Measurement Within    ${e}    ${m}    0    fields=arena_min_bytes,arena_tail_bytes
    Peak RAM Should Fit Platform    ${m}    ${platform}    margin=10%
