/** What the charts need to know about a run (the lab core maps its run settings onto this). */
export interface ChartRun {
  id: string;
  name: string;
  color: string;
  hidden: boolean;
  margin: number | null;
  parameterisation: 'factorised' | 'plain' | 'lstm';
}
