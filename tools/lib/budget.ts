// The resource budget moved to synth/validate/budget.ts, where the safety net's quota check
// uses it too (the safety net never imports tools/); the report reads it from here.
export { containerDefaults, formatBytes, formatCpu, podResources, stackBudget, surgeOf, workloadBudget } from '../../synth/validate/budget';
export type { ContainerDefaults, PodResources, QuotaCheck, StackBudget, Totals, WorkloadBudget } from '../../synth/validate/budget';
