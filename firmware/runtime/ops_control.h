/*
 * ops_control.h - the resource-variable and control-flow operators that live in the runtime
 * (they manipulate subgraphs and the tail, not tensor math): VAR_HANDLE, READ_VARIABLE,
 * ASSIGN_VARIABLE, CALL_ONCE. firmware/kernels/registry.c lists them like any kernel.
 *
 * Arena behaviour follows TFLM's var_handle.cc, read_variable.cc, assign_variable.cc,
 * call_once.cc and MicroResourceVariables: the records are made once, before AllocateTensors
 * (one per distinct VAR_HANDLE shared_name, as the tflite-micro Python wrapper counts them);
 * a variable's buffer is a 16-aligned persistent buffer taken in ASSIGN_VARIABLE's Prepare.
 */
#ifndef SRT_OPS_CONTROL_H
#define SRT_OPS_CONTROL_H

#include "schema.h"
#include "srt_kernel.h"

extern const srt_op srt_op_var_handle, srt_op_read_variable, srt_op_assign_variable,
    srt_op_call_once;
/* IF and WHILE (ops_flow.c). For registry.c: list them with the four above. */
extern const srt_op srt_op_if, srt_op_while;

/* Distinct VAR_HANDLE shared names of the model (0: no resource variables are created). */
uint32_t srt_count_resource_variables(const srt_model *m);
/* MicroResourceVariables::ResetAll (zero every allocated variable). */
void srt_reset_resource_variables(srt_ctx *ctx);

#endif /* SRT_OPS_CONTROL_H */
