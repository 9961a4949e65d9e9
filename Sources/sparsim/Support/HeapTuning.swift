import CMalloc

/// glibc serves allocations above its mmap threshold (128 KiB, rising to at most 32 MiB as
/// blocks are freed) with fresh mappings and returns the heap's free top to the system past
/// 128 KiB: every activation matrix of a forward pass (megabytes, allocated and freed per layer)
/// then costs page faults and zeroing by the kernel. Keeping them in the heap was worth ~7% of
/// the forward pass (`sparsim eval`, 6 × 512 tokens: 7.45 s → 6.95 s).
enum HeapTuning {
    static func keepLargeAllocationsInTheHeap() {
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)   // glibc's largest
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
    }
}
