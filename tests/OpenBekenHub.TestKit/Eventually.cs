using System.Diagnostics;

namespace OpenBekenHub.TestKit;

/// <summary>Waits for a condition with a bound, instead of sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? because = null)
    {
        await TrueAsync(() => Task.FromResult(condition()), timeout, because).ConfigureAwait(false);
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? because = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var sw = Stopwatch.StartNew();
        Exception? last = null;
        while (sw.Elapsed < limit)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception ex)
            {
                last = ex;
            }
            await Task.Delay(20).ConfigureAwait(false);
        }
        throw new TimeoutException($"Condition not met within {limit.TotalSeconds:0.#} s: {because ?? "(no description)"}", last);
    }
}
