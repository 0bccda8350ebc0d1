*** Settings ***
Documentation       Make a model fit a RAM budget, proven under QEMU: the fitted model's smallest
...                 working arena, bisected on simprof-rt, must be within the budget.
Library             simprof.robot
Library             OperatingSystem
Test Tags           fit    qemu


*** Variables ***
${EXAMPLE}          ${CURDIR}/../../examples/kws_dscnn_int8.tflite


*** Test Cases ***
KWS DS-CNN Fits 90 Percent Of Its Arena On STM32F4
    Require Emulator    qemu
    ${r}=    Fit Model To Budget    ${EXAMPLE}    stm32f4    arena_budget=90%
    ...    out=${OUTPUT DIR}/kws_fitted.tflite
    Should Be True    ${r.proof.fits}
    Should Be Equal As Integers    ${r.proof.arena_min_bytes}    ${r.proof.estimate_arena_min_bytes}
    Should Be True    ${r.proof.arena_min_bytes} <= ${r.budget.bytes}
    File Should Exist    ${OUTPUT DIR}/kws_fitted.tflite

An Unreachable Budget Fails With One Line
    Run Keyword And Expect Error    *cannot reach the arena budget of 2,048 B*alone needs*
    ...    Fit Model To Budget    ${EXAMPLE}    stm32f4    arena_budget=2KiB    measure=${False}
