*** Settings ***
Documentation       Arena limits, peak operators and failure messages of the budget keywords, on
...                 the bundled keyword-spotting model and per-operator models (static estimates).
Library             simprof.robot
Suite Setup         Write Example Models    ${MODELS}    conv_2d_int8    add_int8
Test Tags           budget    estimate


*** Variables ***
${EXAMPLE}          ${CURDIR}/../../examples/kws_dscnn_int8.tflite
${MODELS}           ${OUTPUT DIR}/models


*** Test Cases ***
KWS DS-CNN arena fits in 24 KiB
    ${arena}=    Arena Should Be At Most    ${EXAMPLE}    24 KiB
    Should Be True    ${arena} > 16 * 1024

Peak operator of the KWS model is its first depthwise convolution
    Peak Operator Should Be    ${EXAMPLE}    DEPTHWISE_CONV_2D
    Peak Operator Should Be    ${EXAMPLE}    1

Peak operator of a single-operator model is that operator
    Peak Operator Should Be    ${MODELS}/conv_2d_int8.tflite    CONV_2D
    Peak Operator Should Be    ${MODELS}/add_int8.tflite    0:0

A model over its budget fails naming model, platform, budget and figure
    [Documentation]    The KWS model needs more than the 16 KiB of an nRF51.
    Run Keyword And Expect Error
    ...    kws_dscnn_int8.tflite does not fit nrf51: estimated peak RAM * B (arena * (setup minimum)*) > 14,746 B allowed (budget 16,384 B (RAM of nRF51822) - 10% margin)
    ...    Peak RAM Should Fit Platform    ${EXAMPLE}    nrf51    margin=10%

An explicit budget and a byte margin are honoured
    ${e}=    Estimate Peak RAM    ${EXAMPLE}    stm32f4
    ${need}=    Evaluate    ${e.arena_min_bytes} + 4096
    Peak RAM Should Fit Platform    ${e}    stm32f4    budget=${need + 1024}    margin=1 KiB    reserve=4 KiB
    Run Keyword And Expect Error    *does not fit stm32f4*
    ...    Peak RAM Should Fit Platform    ${e}    stm32f4    budget=${need + 1023}    margin=1 KiB    reserve=4 KiB

An arena over its limit fails naming the figure
    Run Keyword And Expect Error    kws_dscnn_int8.tflite on generic: estimated arena * B (arena_min_bytes) > limit 16,384 B
    ...    Arena Should Be At Most    ${EXAMPLE}    16 KiB

A wrong peak operator fails naming the real one
    Run Keyword And Expect Error    kws_dscnn_int8.tflite: peak operator is 0:1 DEPTHWISE_CONV_2D *, not CONV_2D
    ...    Peak Operator Should Be    ${EXAMPLE}    CONV_2D

Results survive a JSON round trip
    ${e}=    Estimate Peak RAM    ${EXAMPLE}    stm32f4
    ${path}=    Save Result As JSON    ${e}    ${OUTPUT DIR}/kws-estimate.json
    ${loaded}=    Load Result JSON    ${path}
    Result Field Should Be    ${loaded}    arena_min_bytes    ${e.arena_min_bytes}
    ${op}=    Get Result Field    ${loaded}    operators.1.opcode
    Should Be Equal    ${op}    DEPTHWISE_CONV_2D
    Peak Operator Should Be    ${loaded}    ${e.peak_operator}
    Peak RAM Should Fit Platform    ${loaded}    stm32f4    margin=25%
    Result Field Should Be At Most    ${loaded}    arena_bytes    ${e.arena_min_bytes}

An unknown platform fails with the list of valid ones
    Run Keyword And Expect Error    unknown platform 'stm33f4'*stm32f4*
    ...    Peak RAM Should Fit Platform    ${EXAMPLE}    stm33f4
