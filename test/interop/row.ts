/** One row of the interop table: a check, whether it passed, and what to show about it. */
export interface Row {
  readonly phase: string;
  readonly check: string;
  readonly ok: boolean;
  /** Shown instead of pass/FAIL (`expected-failure`, a conformance verdict). */
  readonly result?: string;
  readonly ms?: number;
  readonly detail?: string;
}
