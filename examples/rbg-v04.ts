import { App, Chart } from 'cdk8s';
import { RbgTarget } from '../lib';
import { tutorialGroup } from './tutorial';

/**
 * The tutorial deployment for clusters still running the ack-rbgs v0.4 controller
 * (v1alpha1, headless Services without the `s-` prefix).
 */
export function rbgV04(app: App): Chart {
  const chart = new Chart(app, 'rbg-v04');
  tutorialGroup(chart, { rbg: RbgTarget.V0_4 });
  return chart;
}
