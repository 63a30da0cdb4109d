using System.Net;
using Microsoft.Extensions.Options;
using OpenBekenHub.Hosting;

namespace OpenBekenHub.Auth;

/// <summary>
/// Failed-login budget per client address and per account over a sliding window. Only failures count, and a
/// refused (throttled) attempt is not checked and not counted, so once the failures stop, the right password
/// works again at most one window after the last counted failure. A success clears its address's failures.
/// ASP.NET's rate limiter counts every request, so it cannot tell failures from successes; hence this class.
/// </summary>
public sealed class LoginThrottle(IOptions<HubOptions> options, TimeProvider time)
{
    // bounds memory under a flood from many addresses or invented user names
    private const int MaxKeys = 10_000;

    private readonly Dictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private TimeSpan Window => TimeSpan.FromSeconds(options.Value.LoginWindowSeconds);

    /// <summary>How long the caller must wait before trying again, or null when an attempt is allowed now.</summary>
    public TimeSpan? RetryAfter(string username, IPAddress? address)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var byAddress = Blocked(AddressKey(address), options.Value.LoginAttemptsPerMinute, now);
            var byAccount = Blocked(AccountKey(username), options.Value.LoginAccountAttemptsPerMinute, now);
            return byAddress is null ? byAccount : byAccount is null ? byAddress : byAddress > byAccount ? byAddress : byAccount;
        }
    }

    public void RecordFailure(string username, IPAddress? address)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_failures.Count >= MaxKeys)
            {
                Prune(now);
            }
            Add(AddressKey(address), now);
            Add(AccountKey(username), now);
        }
    }

    public void RecordSuccess(IPAddress? address)
    {
        lock (_lock)
        {
            _failures.Remove(AddressKey(address));
        }
    }

    private TimeSpan? Blocked(string key, int limit, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var queue))
        {
            return null;
        }
        while (queue.Count > 0 && now - queue.Peek() >= Window)
        {
            queue.Dequeue();
        }
        if (queue.Count == 0)
        {
            _failures.Remove(key);
            return null;
        }
        // the oldest failures leave the window one by one; the attempt is allowed once the count is under the limit
        return queue.Count < limit ? null : queue.ElementAt(queue.Count - limit) + Window - now;
    }

    private void Add(string key, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var queue))
        {
            _failures[key] = queue = new Queue<DateTimeOffset>();
        }
        queue.Enqueue(now);
        // never more entries than the largest limit can use
        while (queue.Count > Math.Max(options.Value.LoginAttemptsPerMinute, options.Value.LoginAccountAttemptsPerMinute))
        {
            queue.Dequeue();
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var key in _failures.Keys.ToList())
        {
            var queue = _failures[key];
            if (queue.Count == 0 || now - queue.Last() >= Window)
            {
                _failures.Remove(key);
            }
        }
        if (_failures.Count >= MaxKeys)
        {
            // still full of live entries (a flood from many addresses): drop the addresses, keep the accounts' budgets
            foreach (var key in _failures.Keys.Where(k => k.StartsWith("ip:", StringComparison.Ordinal)).ToList())
            {
                _failures.Remove(key);
            }
        }
        if (_failures.Count >= MaxKeys)
        {
            _failures.Clear();
        }
    }

    /// <summary>IPv6 clients are counted per /64, the block one host usually controls.</summary>
    private static string AddressKey(IPAddress? address)
    {
        address ??= IPAddress.None;
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            address = new IPAddress(bytes);
        }
        return "ip:" + address;
    }

    private static string AccountKey(string username)
    {
        var name = username.Trim().ToLowerInvariant();
        return "user:" + (name.Length > 64 ? name[..64] : name);
    }
}
