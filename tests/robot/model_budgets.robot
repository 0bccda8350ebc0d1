*** Settings ***
Documentation       RAM budgets of models, checked in CI without boards or an emulator.
...
...                 Copy this suite into your project: one row per "this model must fit this
...                 platform with this margin". A row fails with a message naming the model, the
...                 platform, the budget and the figure. The figures are simprof's static estimates
...                 (TFLite Micro's arena exactly; stack and static RAM from the platform's
...                 calibration, or the platform's stack and heap regions in their place).
...                 Runs in about a second: nothing is compiled or emulated.
Library             simprof.robot
Suite Setup         Write Models For This Suite
Test Template       Model Should Fit Platform With Margin
Test Tags           budget    estimate


*** Variables ***
${EXAMPLE}          ${CURDIR}/../../examples/kws_dscnn_int8.tflite
${MODELS}           ${OUTPUT DIR}/models


*** Test Cases ***                  MODEL                                   PLATFORM      MARGIN
KWS DS-CNN on STM32F4               ${EXAMPLE}                              stm32f4       25%
KWS DS-CNN on nRF52840              ${EXAMPLE}                              nrf52840      50%
KWS DS-CNN on LM3S6965              ${EXAMPLE}                              lm3s6965      20%
Conv int8 on nRF51                  ${MODELS}/conv_2d_int8.tflite           nrf51         10%
Depthwise int8 on nRF51             ${MODELS}/depthwise_conv_2d_int8.tflite    nrf51      10%
Fully connected int8 on nRF51       ${MODELS}/fully_connected_int8.tflite   nrf51         8 KiB


*** Keywords ***
Write Models For This Suite
    [Documentation]    simprof's example models are deterministic: generate them, do not commit them.
    Write Example Models    ${MODELS}    conv_2d_int8    depthwise_conv_2d_int8    fully_connected_int8

Model Should Fit Platform With Margin
    [Arguments]    ${model}    ${platform}    ${margin}
    Peak RAM Should Fit Platform    ${model}    ${platform}    margin=${margin}
