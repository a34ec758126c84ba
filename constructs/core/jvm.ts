// What a JVM needs beside its heap and (Neo4j) page cache: metaspace, the code cache, thread
// stacks, GC structures and direct buffers. Shared by the Neo4j engine, which sizes itself
// with it, and the synth's check, which refuses a container whose memory can't hold all three.

const MiB = 2 ** 20;

/** Native memory a JVM server uses beside heap and page cache: at least 384 MiB, or a fifth of the limit. */
export function jvmOverheadBytes(memoryLimitBytes: number): number {
  return Math.max(384 * MiB, Math.floor(memoryLimitBytes * 0.2));
}

/** A JVM size as Neo4j and `-Xmx` write it (`819m`, `1g`, `524288k`, bytes), in bytes. */
export function parseJvmSize(value: string): number | undefined {
  const m = /^([0-9]+)([kKmMgGtT]?)$/.exec(value.trim());
  if (!m) return undefined;
  const scale: Record<string, number> = { '': 1, k: 2 ** 10, m: MiB, g: 2 ** 30, t: 2 ** 40 };
  return Number(m[1]) * scale[m[2].toLowerCase()];
}
