#if canImport(Glibc)
import Glibc
#endif

/// How much freed memory at the top of the heap a worker process keeps instead of returning it to the kernel.
///
/// Each step of a busy worker process allocates a few hundred KiB for a moment (the batch's messages, the results
/// it stores, the command hiredis writes) and frees them. By default glibc gives the heap's top back to the kernel as
/// soon as 128 KiB of it are free, so the next step faults every page in again (zeroed by the kernel): 6–9 %
/// of a worker process's CPU in a drain (bench/results/2026-12-06-cpu.md). Keeping 1 MiB stops that, at most 1 MiB
/// more resident memory.
enum HeapPadding {
    /// The top-of-heap padding (glibc's `M_TOP_PAD`, default 128 KiB).
    static let bytes: Int32 = 1 << 20

    /// Sets the padding for this process (a worker process, once, before its loop runs). `mallopt` is declared in
    /// `<malloc.h>`, which Swift's Glibc module does not include: looked up with `dlsym`, as ``ProcessSpawn`` does for
    /// glibc's extensions, rather than through a C shim target. Without glibc (or the symbol) nothing changes.
    static func apply() {
        #if canImport(Glibc)
        typealias MallocOption = @convention(c) (Int32, Int32) -> Int32
        let topPad: Int32 = -2  // M_TOP_PAD in <malloc.h>
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: MallocOption.self)(topPad, bytes)
        #endif
    }
}
