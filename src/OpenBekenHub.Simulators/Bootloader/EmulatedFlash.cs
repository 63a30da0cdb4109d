namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>
/// The emulated SPI NOR flash: erase sets bytes to 0xFF, programming can only clear bits (new = old AND data),
/// addresses wrap modulo the size, and protected areas ignore erase and program silently, as a real flash does.
/// Protection comes from the status register (N) or from the whole-chip lock the T bootloader keeps.
/// Thread-safe; optionally mirrored into a backing file after every change.
/// </summary>
public sealed class EmulatedFlash : IDisposable
{
    private readonly byte[] _data;
    private readonly object _gate = new();
    private readonly FileStream? _backing;

    public EmulatedFlash(int size, byte[] initialImage, string? backingFile = null)
    {
        Size = size;
        _data = new byte[size];
        Array.Fill(_data, (byte)0xFF);
        if (backingFile is not null && File.Exists(backingFile) && new FileInfo(backingFile).Length == size)
        {
            _backing = new FileStream(backingFile, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            _backing.ReadExactly(_data);
            return;
        }
        initialImage.AsSpan(0, Math.Min(initialImage.Length, size)).CopyTo(_data);
        if (backingFile is not null)
        {
            _backing = new FileStream(backingFile, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
            _backing.Write(_data);
            _backing.Flush();
        }
    }

    public int Size { get; }

    /// <summary>SR2:SR1 of the flash chip (only reachable over UART on N).</summary>
    public ushort StatusRegister { get; set; }

    /// <summary>Whole-chip write protection as the T bootloader drives it.</summary>
    public bool WriteProtectAll { get; set; }

    public long Erases { get; private set; }

    public long Programs { get; private set; }

    /// <summary>Erase or program requests that protection ignored.</summary>
    public long RefusedByProtection { get; private set; }

    public int Wrap(long address) => (int)(address & (Size - 1));

    public byte[] Snapshot()
    {
        lock (_gate)
        {
            return (byte[])_data.Clone();
        }
    }

    public byte[] Read(long address, int length)
    {
        var result = new byte[length];
        lock (_gate)
        {
            for (var i = 0; i < length; i++)
            {
                result[i] = _data[Wrap(address + i)];
            }
        }
        return result;
    }

    /// <summary>True when any byte of the range is protected.</summary>
    public bool IsProtected(int start, int length) =>
        WriteProtectAll || FlashProtection.Overlaps(StatusRegister, Size, Wrap(start), length);

    /// <summary>Erase an aligned block; returns false (flash unchanged) when protected.</summary>
    public bool Erase(long address, int blockSize)
    {
        var start = Wrap(address) & ~(blockSize - 1);
        lock (_gate)
        {
            if (IsProtected(start, blockSize))
            {
                RefusedByProtection++;
                return false;
            }
            _data.AsSpan(start, blockSize).Fill(0xFF);
            Erases++;
            Persist(start, blockSize);
        }
        return true;
    }

    /// <summary>Program bytes (AND into the cells); returns false (flash unchanged) when protected.</summary>
    public bool Program(long address, ReadOnlySpan<byte> data)
    {
        var start = Wrap(address);
        lock (_gate)
        {
            if (IsProtected(start, data.Length))
            {
                RefusedByProtection++;
                return false;
            }
            for (var i = 0; i < data.Length; i++)
            {
                _data[Wrap(start + i)] &= data[i];
            }
            Programs++;
            if (start + data.Length <= Size)
            {
                Persist(start, data.Length);
            }
            else
            {
                Persist(0, Size);
            }
        }
        return true;
    }

    /// <summary>The chip's CheckCRC value (raw register) over <paramref name="length"/> bytes from <paramref name="start"/>, wrapping.</summary>
    public uint ChipCrc(long start, long length)
    {
        var register = BootCrc32.InitialRegister;
        lock (_gate)
        {
            var position = Wrap(start);
            while (length > 0)
            {
                var chunk = (int)Math.Min(length, Size - position);
                register = BootCrc32.Update(register, _data.AsSpan(position, chunk));
                length -= chunk;
                position = 0;
            }
        }
        return register;
    }

    private void Persist(int start, int length)
    {
        if (_backing is null)
        {
            return;
        }
        _backing.Position = start;
        _backing.Write(_data, start, length);
        _backing.Flush();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _backing?.Dispose();
        }
    }
}
