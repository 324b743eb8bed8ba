import { Construct } from 'constructs';
import { SglangServerRole, SglangServerRoleProps } from './server-role';

/**
 * SGLang servers with `--disaggregation-mode decode`: they fetch each request's KV cache from a
 * prefill server and generate the output tokens.
 */
export class DecodeRole extends SglangServerRole {
  /** `--disaggregation-mode`. */
  public readonly mode = 'decode' as const;

  /**
   * Defines a decode role; its problems are reported when the app is synthesized.
   * @param scope parent construct, normally a PdServingGroup
   * @param id construct id
   * @param props what the servers run and how
   */
  constructor(scope: Construct, id: string, props: SglangServerRoleProps) {
    super(scope, id, props, 'decode');
  }

  /** Decode servers have no bootstrap port. */
  public get bootstrapPort(): undefined {
    return undefined;
  }
}
