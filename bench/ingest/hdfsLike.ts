import { seededRandom } from '../../src/scoring/random.js';

/** One generated log line of an HDFS-like block session. */
export interface HdfsLine {
  body: string;
  block: string;
  anomalous: boolean;
}

const NODES = Array.from({ length: 40 }, (_, i) => `10.250.${10 + (i % 12)}.${100 + i}`);

/**
 * HDFS-like block sessions, written for the ingest benchmark (not copied from the HDFS dataset):
 * a block is allocated, received by three data nodes, stored, sometimes verified and later
 * deleted, with the message shapes of Hadoop's data node and name node logs. `anomalyRate` of the
 * sessions go wrong (an interrupted responder, an exception while receiving, a missing replica).
 * Sessions interleave: `open` blocks are in flight at once and lines are drawn among them.
 */
export class HdfsLikeStream {
  private readonly random: () => number;
  private readonly active: { block: string; lines: string[]; next: number; anomalous: boolean }[] = [];
  private counter = 0;

  constructor(
    seed: number,
    private readonly open = 200,
    private readonly anomalyRate = 0.01,
  ) {
    this.random = seededRandom(seed);
  }

  /** The next `count` lines of the stream. */
  take(count: number): HdfsLine[] {
    const out: HdfsLine[] = [];
    while (out.length < count) {
      while (this.active.length < this.open) this.active.push(this.session());
      const index = Math.floor(this.random() * this.active.length);
      const session = this.active[index]!;
      out.push({ body: session.lines[session.next++]!, block: session.block, anomalous: session.anomalous });
      if (session.next >= session.lines.length) {
        this.active[index] = this.active[this.active.length - 1]!;
        this.active.pop();
      }
    }
    return out;
  }

  private node(): string {
    return NODES[Math.floor(this.random() * NODES.length)]!;
  }

  private session(): { block: string; lines: string[]; next: number; anomalous: boolean } {
    const r = this.random;
    const block = `blk_${r() < 0.5 ? '-' : ''}${Math.floor(r() * 9e15 + 1e15)}`;
    const size = r() < 0.8 ? 67108864 : Math.floor(r() * 67108864);
    const nodes = [this.node(), this.node(), this.node()];
    const anomalous = r() < this.anomalyRate;
    const lines = [`BLOCK* NameSystem.allocateBlock: /user/root/rand${this.counter++ % 50}/_temporary/_task_200811092030_0001_m_${String(Math.floor(r() * 1000)).padStart(6, '0')}_0/part-${String(Math.floor(r() * 1000)).padStart(5, '0')}. ${block}`];
    for (const n of nodes) lines.push(`Receiving block ${block} src: /${n}:${50000 + Math.floor(r() * 9000)} dest: /${n}:50010`);
    const failure = anomalous ? Math.floor(r() * 3) : -1;
    nodes.forEach((n, i) => {
      if (failure === 0 && i === 2) {
        lines.push(`PacketResponder ${i} for block ${block} Interrupted.`);
        return;
      }
      if (failure === 1 && i === 1) {
        lines.push(`Exception in receiveBlock for block ${block} java.io.IOException: Connection reset by peer`);
        lines.push(`writeBlock ${block} received exception java.io.IOException: Connection reset by peer`);
        return;
      }
      lines.push(`PacketResponder ${i} for block ${block} terminating`);
      lines.push(`Received block ${block} of size ${size} from /${n}`);
    });
    const stored = failure === 2 ? nodes.slice(0, 1) : nodes;
    for (const n of stored) lines.push(`BLOCK* NameSystem.addStoredBlock: blockMap updated: ${n}:50010 is added to ${block} size ${size}`);
    if (r() < 0.3) lines.push(`Verification succeeded for ${block}`);
    if (r() < 0.5) {
      for (const n of stored) lines.push(`BLOCK* NameSystem.delete: ${block} is added to invalidSet of ${n}:50010`);
      for (let i = 0; i < stored.length; i++) lines.push(`Deleting block ${block} file /mnt/hadoop/dfs/data/current/subdir${Math.floor(r() * 64)}/${block}`);
    }
    return { block, lines, next: 0, anomalous };
  }
}
