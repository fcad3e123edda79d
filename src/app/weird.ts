/**
 * Anomalies ("weirds") of one connection: counted under their code in the run's AnomalyCounter,
 * and, for the occurrences the counter keeps as samples, described with the connection they
 * came from (uid and 4-tuple). The app layer never sees file offsets (the flow table hands it
 * reassembled stream bytes), so the uid is what leads back to the packets, as in Zeek's weird.log.
 * The description is built only for sampled occurrences: counting stays allocation-free.
 */
import { SAMPLING_RATE, SAMPLING_THRESHOLD, type AnomalyCounter } from '../core/anomaly.js';
import type { ConnId } from '../core/records.js';

export class Weird {
  constructor(
    readonly anomalies: AnomalyCounter,
    private readonly id: ConnId | null = null,
    private readonly uid: string = '',
  ) {}

  /** Count one anomaly; `detail` adds to the sample message. */
  add(code: string, detail?: string): void {
    const n = this.anomalies.get(code) + 1;
    if (n <= SAMPLING_THRESHOLD || n % SAMPLING_RATE === 0) {
      let d = this.id === null ? '' : `conn ${this.uid} ${this.id.origH}:${this.id.origP} > ${this.id.respH}:${this.id.respP}`;
      if (detail !== undefined) d = d.length > 0 ? d + ', ' + detail : detail;
      this.anomalies.add(code, undefined, undefined, undefined, d.length > 0 ? d : undefined);
    } else {
      this.anomalies.add(code);
    }
  }
}
