/** What the charts need to know about a run (the lab core maps its run settings onto this). */
export interface ChartRun {
  id: string;
  name: string;
  color: string;
  hidden: boolean;
  margin: number | null;
  parameterisation: 'factorised' | 'plain' | 'lstm';
  /**
   * the replicate set the run belongs to (src/experiments/replicates.ts replicateSets): runs with the same
   * setId are one run over several seeds, drawn as one line with a band; unset: a set of its own
   */
  setId?: string;
  /** the set's name (the members' name without ' · sK') */
  setName?: string;
}
