import { k8s } from '../rbg/k8s';
import { Construct } from 'constructs';
import { SglangServerRole, SglangServerRoleProps } from './server-role';

/** Default port of the prefill bootstrap server (`--disaggregation-bootstrap-port`). */
export const DEFAULT_BOOTSTRAP_PORT = 34000;

/**
 * Props of a prefill role.
 */
export interface PrefillRoleProps extends SglangServerRoleProps {
  /**
   * Bootstrap port (`--disaggregation-bootstrap-port`), named `bootstrap`; decode servers fetch
   * the KV cache through it.
   * @default 34000
   */
  readonly bootstrapPort?: number;
}

/**
 * SGLang servers with `--disaggregation-mode prefill`: they build the KV cache of each prompt and
 * serve it to decode servers over the bootstrap port.
 */
export class PrefillRole extends SglangServerRole {
  /** `--disaggregation-mode`. */
  public readonly mode = 'prefill' as const;
  private readonly bootstrap: number;

  /**
   * Defines a prefill role; its problems are reported when the app is synthesized.
   * @param scope parent construct, normally a PdServingGroup
   * @param id construct id
   * @param props what the servers run and how
   */
  constructor(scope: Construct, id: string, props: PrefillRoleProps) {
    super(scope, id, props, 'prefill');
    this.bootstrap = props?.bootstrapPort ?? DEFAULT_BOOTSTRAP_PORT;
  }

  /** Bootstrap port of the prefill servers. */
  public get bootstrapPort(): number {
    return this.bootstrap;
  }

  /** @internal */
  protected ports(): k8s.ContainerPort[] {
    return [...super.ports(), { name: 'bootstrap', containerPort: this.bootstrap, protocol: 'TCP' }];
  }
}
