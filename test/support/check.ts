/* Shared helpers: the problems and warnings of a construct tree, as one line each. */
import { IConstruct } from 'constructs';
import { Chart, Testing } from 'cdk8s';
import { SglangPdValidationError, ValidationProblem, validate } from '../../lib';

export function line(p: ValidationProblem): string {
  return `${p.path} ${p.field}=${p.value}: ${p.message}`;
}

/** Errors of the tree `scope` belongs to. */
export function problemsOf(scope: IConstruct): ValidationProblem[] {
  return validate(scope).errors;
}

/** Errors as lines. */
export function errorLines(scope: IConstruct): string[] {
  return problemsOf(scope).map(line);
}

/** Warnings as lines. */
export function warningLines(scope: IConstruct): string[] {
  return validate(scope).warnings.map(line);
}

/**
 * Synthesizes one chart like `synthesize()` validates an app: every problem of the tree first, as
 * one SglangPdValidationError, then the chart's objects.
 */
export function strictSynth(chart: Chart): any[] {
  const { errors } = validate(chart);
  if (errors.length > 0) throw new SglangPdValidationError(errors);
  return Testing.synth(chart);
}
