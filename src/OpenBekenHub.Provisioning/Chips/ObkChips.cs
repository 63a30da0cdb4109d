namespace OpenBekenHub.Provisioning.Chips;

/// <summary>The chips this hub provisions, and lookup by name.</summary>
public static class ObkChips
{
    /// <summary>BK7231T: config at 0x1E1000, RF/MAC at 0x1E0000.</summary>
    public static readonly ObkChip BK7231T = new()
    {
        Name = "BK7231T",
        ConfigOffset = 0x1E1000,
        RfOffset = 0x1E0000,
        LongNamePrefix = "OpenBK7231T",
        DefaultGroupTopic = "bekens_t",
    };

    /// <summary>BK7231N: config at 0x1D1000, RF/MAC at 0x1D0000.</summary>
    public static readonly ObkChip BK7231N = new()
    {
        Name = "BK7231N",
        ConfigOffset = 0x1D1000,
        RfOffset = 0x1D0000,
        LongNamePrefix = "OpenBK7231N",
        DefaultGroupTopic = "bekens_n",
    };

    public static IReadOnlyList<ObkChip> All { get; } = [BK7231T, BK7231N];

    /// <summary>Finds a chip by name, case-insensitive; accepts <c>bk7231n</c>, <c>BK7231N</c>, <c>n</c>, <c>t</c>.</summary>
    public static ObkChip? Find(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }
        var n = name.Trim();
        return All.FirstOrDefault(c => string.Equals(c.Name, n, StringComparison.OrdinalIgnoreCase)
                                       || string.Equals(c.Name[^1..], n, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Like <see cref="Find"/> but throws with the list of known chips.</summary>
    public static ObkChip Get(string name) =>
        Find(name) ?? throw new ArgumentException(
            "Unknown chip '" + name + "'; known: " + string.Join(", ", All.Select(c => c.Name)) + ".", nameof(name));
}
