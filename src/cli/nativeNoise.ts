/**
 * Lines that native code (Dawn, the Vulkan loader and its drivers) prints to stderr at start-up and that are
 * known to be harmless, so the headless commands can drop them and keep every other line:
 *
 * - `error: XDG_RUNTIME_DIR is invalid or not set in the environment.`: libwayland-client, loaded by a Vulkan
 *   driver, when XDG_RUNTIME_DIR is unset (a container, a CI job). nodeContext.ts sets it to a private folder
 *   before Dawn loads, which removes the cause; the filter stays for a parent that starts us without it.
 * - `Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.` with its ` - While initializing adapter`
 *   and `    at InitializeImpl (...PhysicalDeviceVk.cpp:N)` lines and a blank line: Dawn refusing Mesa's
 *   lavapipe (a CPU Vulkan driver without that feature) while it looks for a hardware adapter; SwiftShader
 *   is used instead. Printed by Dawn itself, it cannot be turned off from JavaScript.
 */

const SINGLE_LINES = [/^error: XDG_RUNTIME_DIR is invalid or not set in the environment\.$/];

/** A block: its first line, then the lines that may follow it (dropped while they match). */
const BLOCKS: { first: RegExp; rest: RegExp[] }[] = [
  {
    first: /^Warning: Vulkan shaderUniform\*ArrayDynamicIndexing required\.$/,
    rest: [
      /^ - While initializing adapter \(backend=BackendType::Vulkan\)$/,
      /^ {4}at InitializeImpl \(.*PhysicalDeviceVk\.cpp:\d+\)$/,
      /^$/,
    ],
  },
];

/** Filters a stream of text line by line; feed() returns what to print now, end() the rest. */
export class NativeNoiseFilter {
  private partial = '';
  /** the block being dropped, and how far into its expected lines */
  private block: { rest: RegExp[]; next: number } | undefined;
  /** lines dropped so far (for tests and for --verbose-like diagnostics) */
  dropped = 0;

  feed(chunk: string): string {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    let out = '';
    for (const line of lines) if (this.keep(line)) out += `${line}\n`;
    return out;
  }

  end(): string {
    const rest = this.partial;
    this.partial = '';
    return rest && this.keep(rest) ? rest : '';
  }

  private keep(line: string): boolean {
    if (this.block) {
      const { rest, next } = this.block;
      if (next < rest.length && rest[next].test(line)) {
        this.block.next++;
        if (this.block.next === rest.length) this.block = undefined;
        this.dropped++;
        return false;
      }
      this.block = undefined;
    }
    if (SINGLE_LINES.some((re) => re.test(line))) {
      this.dropped++;
      return false;
    }
    const b = BLOCKS.find((blk) => blk.first.test(line));
    if (b) {
      this.block = { rest: b.rest, next: 0 };
      this.dropped++;
      return false;
    }
    return true;
  }
}
