// A minimal WebAssembly binary walker for tests: decodes the instruction stream of each function in
// the code section (the opcode subset gpu.js's webasm backend emits, with their immediates) and
// counts named opcodes, so tests can check what the code generator really emitted.

const SECTION_IMPORT = 2;
const SECTION_EXPORT = 7;
const SECTION_CODE = 10;

class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public at = 0,
  ) {}
  byte(): number {
    return this.bytes[this.at++];
  }
  uleb(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
    }
  }
  sleb(): void {
    while (this.byte() & 0x80) {
      /* skip */
    }
  }
  skip(n: number): void {
    this.at += n;
  }
  name(): string {
    const length = this.uleb();
    const text = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    return text;
  }
}

/** Opcode names this walker reports (others are counted under their hex code). */
const NAMES: Record<string, string> = {
  '2a': 'f32.load',
  '28': 'i32.load',
  b2: 'f32.convert_i32_s',
  fc00: 'i32.trunc_sat_f32_s',
  '92': 'f32.add',
  '5d': 'f32.lt',
  '6a': 'i32.add',
  '6c': 'i32.mul',
  '74': 'i32.shl',
  '23': 'global.get',
  fd00: 'v128.load',
  fd0b: 'v128.store',
  fd20: 'f32x4.replace_lane',
  fd1b: 'i32x4.extract_lane',
};

function instructionCounts(r: Reader, end: number): Map<string, number> {
  const counts = new Map<string, number>();
  // open blocks/loops/ifs, to tell instructions inside a loop (counted again as `loop:<name>`) from the rest
  const open: number[] = [];
  const add = (key: string): void => {
    const name = NAMES[key] ?? key;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (open.includes(0x03)) counts.set(`loop:${name}`, (counts.get(`loop:${name}`) ?? 0) + 1);
  };
  while (r.at < end) {
    const op = r.byte();
    const hex = op.toString(16).padStart(2, '0');
    if (op === 0x02 || op === 0x03 || op === 0x04) open.push(op);
    else if (op === 0x0b) open.pop();
    else if (op === 0x23 && open.includes(0x03)) add('global.get in a loop');
    if (op === 0x02 || op === 0x03 || op === 0x04) r.byte();
    else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x24)) r.uleb();
    else if (op === 0x41) r.sleb();
    else if (op === 0x43) r.skip(4);
    else if (op >= 0x28 && op <= 0x3e) {
      r.uleb();
      r.uleb();
    } else if (op === 0xfc) {
      add(`fc${r.uleb().toString(16).padStart(2, '0')}`);
      continue;
    } else if (op === 0xfd) {
      const simd = r.uleb();
      if (simd <= 0x0b || simd === 0x5c || simd === 0x5d) {
        r.uleb();
        const offset = r.uleb();
        if (simd === 0x00) add(`v128.load@${offset}`);
      } else if (simd === 0x0c || simd === 0x0d) r.skip(16);
      else if (simd >= 0x15 && simd <= 0x22) r.byte();
      else if (simd >= 0x54 && simd <= 0x5b) {
        r.uleb();
        r.uleb();
        r.byte();
      }
      add(`fd${simd.toString(16).padStart(2, '0')}`);
      continue;
    }
    add(hex);
  }
  return counts;
}

/** Instruction counts per exported function name ('kernel', 'kernel_simd' are not exported: by index). */
export function countOpcodes(bytes: Uint8Array): Map<string, Map<string, number>> {
  const r = new Reader(bytes, 8);
  let importedFunctions = 0;
  const exportNames = new Map<number, string>();
  const bodies: Map<string, number>[] = [];
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.uleb();
    const sectionEnd = r.at + size;
    if (id === SECTION_IMPORT) {
      const count = r.uleb();
      for (let i = 0; i < count; i++) {
        r.name();
        r.name();
        const kind = r.byte();
        if (kind === 0) {
          importedFunctions++;
          r.uleb();
        } else if (kind === 2) {
          const flags = r.byte();
          r.uleb();
          if (flags & 1) r.uleb();
        } else throw new Error(`import kind ${kind} not expected from gpu.js`);
      }
    } else if (id === SECTION_EXPORT) {
      const count = r.uleb();
      for (let i = 0; i < count; i++) {
        const name = r.name();
        const kind = r.byte();
        const index = r.uleb();
        if (kind === 0) exportNames.set(index, name);
      }
    } else if (id === SECTION_CODE) {
      const count = r.uleb();
      for (let i = 0; i < count; i++) {
        const bodySize = r.uleb();
        const bodyEnd = r.at + bodySize;
        const groups = r.uleb();
        for (let g = 0; g < groups; g++) {
          r.uleb();
          r.byte();
        }
        bodies.push(instructionCounts(r, bodyEnd));
        r.at = bodyEnd;
      }
    }
    r.at = sectionEnd;
  }
  const result = new Map<string, Map<string, number>>();
  bodies.forEach((counts, i) => {
    const index = importedFunctions + i;
    result.set(exportNames.get(index) ?? `func${index}`, counts);
  });
  return result;
}

/** Sum of one opcode's count over every function of the module. */
export function totalOpcode(bytes: Uint8Array, name: string): number {
  let total = 0;
  for (const counts of countOpcodes(bytes).values()) total += counts.get(name) ?? 0;
  return total;
}

/** The memarg offsets of the `v128.load`s in `kernel_simd` (sorted, one entry per distinct offset). */
export function simdLoadOffsets(bytes: Uint8Array): number[] {
  return [...simdKernelCounts(bytes).keys()]
    .filter((key) => key.startsWith('v128.load@'))
    .map((key) => Number(key.slice('v128.load@'.length)))
    .sort((a, b) => a - b);
}

/** Instruction counts of `kernel_simd`: gpu.js defines it right before the exported `run_simd`. */
export function simdKernelCounts(bytes: Uint8Array): Map<string, number> {
  const entries = [...countOpcodes(bytes).entries()];
  const at = entries.findIndex(([name]) => name === 'run_simd');
  if (at < 1) throw new Error('module has no run_simd export: the SIMD path was not built');
  return entries[at - 1][1];
}
