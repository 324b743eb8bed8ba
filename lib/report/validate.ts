import { IConstruct } from 'constructs';
import { manifestWarnings } from '../validation/app-rules';
import { ValidationProblem } from '../validation/problem';
import { collectProblems, whileUnchanged } from '../validation/register';

/**
 * What `validate()` found in an app.
 */
export interface ValidationResult {
  /** Problems that fail the synth: this library's and the app's own `node.addValidation` messages. */
  readonly errors: ValidationProblem[];
  /** Warnings of this library: the deployment works but is degraded or unusual. */
  readonly warnings: ValidationProblem[];
}

/**
 * Runs every validation of the app (or of the tree `scope` belongs to) without writing anything:
 * what `synthesize()` would refuse, and what it would warn about.
 * @param scope the app, or any construct of it
 */
export function validate(scope: IConstruct): ValidationResult {
  const root = scope.node.root;
  return whileUnchanged(() => {
    const { errors, warnings } = collectProblems(root);
    return { errors, warnings: [...warnings, ...manifestWarnings(root)] };
  });
}
