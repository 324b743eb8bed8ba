/**
 * Registry of the example apps. Each example builds one chart into a given app; the tests
 * synthesize every one, and `npm run synth:examples` writes each to `dist/examples/<name>/`.
 */
import { App, Chart } from 'cdk8s';
import { SglangPdChart } from '../main';

export interface Example {
  /** Folder name under dist/examples, a DNS-1123 label. */
  readonly name: string;
  /** One line: what the scenario shows. */
  readonly description: string;
  /** Adds the example's chart to `app`. */
  build(app: App): Chart;
}

export const EXAMPLES: readonly Example[] = [
  {
    name: 'tutorial-2p1d',
    description: 'The ACK tutorial: Qwen3-32B, 2 prefill + 1 decode, TP=2, eRDMA, OSS model, RBG v0.7',
    build: (app) => new SglangPdChart(app, 'sglang-pd'),
  },
];
