/**
 * Which statement lines may repeat an earlier line's key, found while the file loads: an open-addressing
 * table of 32-bit hashes of (kind, key), each with the first line that had it. A line whose hash is
 * already there is a candidate, and so is that first line. Every real duplicate is a candidate (equal
 * keys hash alike); a few lines with distinct keys may be too (hash collisions, about a hundred in a
 * million rows), and the match's SQL sorts them out by comparing the keys of the candidates alone,
 * rather than grouping every row of the file by its key. 8 bytes a slot, at most half full: 16 MB for a
 * million rows, a fraction of what a set of the keys would hold.
 */
export class DuplicateCandidates {
  private hashes = new Uint32Array(1 << 12);
  /** 0: an empty slot (statement lines count from 1). */
  private firstLines = new Int32Array(1 << 12);
  private used = 0;
  private readonly candidates = new Set<number>();

  add(kind: string, key: string, line: number): void {
    const hash = hashKey(kind, key);
    const mask = this.firstLines.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const first = this.firstLines[i]!;
      if (first === 0) {
        this.hashes[i] = hash;
        this.firstLines[i] = line;
        if (++this.used * 2 > this.firstLines.length) this.grow();
        return;
      }
      if (this.hashes[i] === hash) {
        this.candidates.add(first);
        this.candidates.add(line);
        return;
      }
    }
  }

  /** The candidate lines, ascending. */
  lines(): number[] {
    return [...this.candidates].sort((a, b) => a - b);
  }

  private grow(): void {
    const hashes = this.hashes;
    const lines = this.firstLines;
    this.hashes = new Uint32Array(hashes.length * 2);
    this.firstLines = new Int32Array(lines.length * 2);
    const mask = this.firstLines.length - 1;
    for (let j = 0; j < lines.length; j++) {
      if (lines[j] === 0) continue;
      let i = hashes[j]! & mask;
      while (this.firstLines[i] !== 0) i = (i + 1) & mask;
      this.hashes[i] = hashes[j]!;
      this.firstLines[i] = lines[j]!;
    }
  }
}

/** FNV-1a over the key, seeded by the kind, then MurmurHash3's finaliser (sequential ids spread out). */
function hashKey(kind: string, key: string): number {
  let h = kind === 'PAYMENT' ? 0x811c9dc5 : 0x01000193;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
