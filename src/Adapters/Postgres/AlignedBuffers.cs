using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace CausalEval.Dr.Adapters.Postgres;

/// <summary>
/// Fixed-size buffers whose start is aligned to <see cref="DirectFile.Alignment"/>, as O_DIRECT needs: slices
/// of pinned arrays (the GC never moves them), kept for reuse. Callers bound how many are out at once.
/// </summary>
internal sealed class AlignedBuffers(int size)
{
    private readonly ConcurrentBag<Memory<byte>> free = [];

    public Memory<byte> Rent()
    {
        if (free.TryTake(out var buffer))
        {
            return buffer;
        }

        var array = GC.AllocateUninitializedArray<byte>(size + DirectFile.Alignment, pinned: true);
        var pin = GCHandle.Alloc(array, GCHandleType.Pinned); // only to read the address: a pinned-heap array never moves
        var start = (long)pin.AddrOfPinnedObject();
        pin.Free();
        var skip = (int)((DirectFile.Alignment - start % DirectFile.Alignment) % DirectFile.Alignment);
        return array.AsMemory(skip, size);
    }

    public void Return(Memory<byte> buffer) => free.Add(buffer);
}
