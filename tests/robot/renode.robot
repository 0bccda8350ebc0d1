*** Settings ***
Documentation       The Renode backend (--emulator renode). No registry ships Renode (no Debian,
...                 PyPI or npm package): without a `renode` executable on PATH the measuring tests
...                 are skipped with the backend's one-line reason, even under CI, and the error
...                 itself is checked. With Renode on PATH (verified with Renode 1.15.3,
...                 docs/renode.md) they measure the known-usage firmware on two Renode platforms
...                 and expect the bytes it writes by construction, as under QEMU.
Library             simprof.robot
Library             Collections
Test Tags           renode


*** Variables ***
${FIXTURES}         ${CURDIR}/../fixtures/firmware


*** Test Cases ***
Renode is a registered emulator backend
    ${names}=    Emulator Backends
    List Should Contain Value    ${names}    renode
    List Should Contain Value    ${names}    qemu

An unknown emulator name lists the valid ones
    Run Keyword And Expect Error    unknown emulator backend 'bochs' — fix: use one of qemu, renode*
    ...    Measure Peak RAM    ${FIXTURES}/known_usage.c    stm32f4    emulator=bochs

Without Renode the backend fails with one clear line
    ${present}=    Emulator Is Installed    renode
    Skip If    ${present}    Renode is installed here: the measuring tests below run instead
    Run Keyword And Expect Error    Renode not found: no 'renode' executable on PATH — fix: *
    ...    Measure Peak RAM    ${FIXTURES}/known_usage.c    stm32f4    emulator=renode

Known-usage firmware under Renode on STM32F4 Discovery
    [Template]    Renode Measurement Should Match Construction
    stm32f4

Known-usage firmware under Renode on nRF52840
    [Template]    Renode Measurement Should Match Construction
    nrf52840


*** Keywords ***
Renode Measurement Should Match Construction
    [Arguments]    ${platform}
    Require Emulator    renode
    ${elf}=    Build Firmware ELF    ${platform}    ${FIXTURES}/known_usage.c    name=known_usage
    ${m}=    Measure Peak RAM    ${elf}    ${platform}    emulator=renode
    &{known}=    Create Dictionary    stack_bytes=3000    arena_head_bytes=1000    arena_tail_bytes=600
    Estimate Should Match Measurement Within    ${known}    ${m}    0
    ...    fields=stack_bytes,arena_head_bytes,arena_tail_bytes
