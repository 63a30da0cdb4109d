namespace OpenBekenHub.Mqtt.Security;

/// <summary>MQTT topic-filter matching (MQTT 3.1.1 §4.7): <c>+</c> matches one level, a trailing <c>#</c> any rest, including none.</summary>
public static class TopicFilter
{
    /// <summary>True when <paramref name="topic"/> (a topic name, no wildcards) is matched by <paramref name="filter"/>.</summary>
    public static bool Matches(string filter, string topic)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(topic);
        var f = filter.AsSpan();
        var t = topic.AsSpan();
        // $-topics are not matched by filters starting with a wildcard (§4.7.2)
        if (t.Length > 0 && t[0] == '$' && f.Length > 0 && f[0] is '+' or '#')
        {
            return false;
        }
        while (true)
        {
            var fEnd = f.IndexOf('/');
            var fLevel = fEnd < 0 ? f : f[..fEnd];
            if (fLevel is "#")
            {
                return true;
            }
            var tEnd = t.IndexOf('/');
            var tLevel = tEnd < 0 ? t : t[..tEnd];
            if (!(fLevel is "+" || fLevel.SequenceEqual(tLevel)))
            {
                return false;
            }
            if (fEnd < 0 || tEnd < 0)
            {
                // both ended: match; the topic ended but the filter goes on: only "a/#" matches "a"
                return fEnd < 0 && tEnd < 0 || (tEnd < 0 && f[(fEnd + 1)..] is "#");
            }
            f = f[(fEnd + 1)..];
            t = t[(tEnd + 1)..];
        }
    }

    /// <summary>
    /// True when every topic <paramref name="requested"/> can match is also matched by <paramref name="allowed"/>:
    /// a subscription is granted only within what the rule allows (<c>#</c> is not within <c>cmnd/x/#</c>).
    /// </summary>
    public static bool Covers(string allowed, string requested)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        ArgumentNullException.ThrowIfNull(requested);
        var a = allowed.Split('/');
        var r = requested.Split('/');
        for (var i = 0; i < r.Length; i++)
        {
            if (i >= a.Length)
            {
                return false;
            }
            if (a[i] == "#")
            {
                return true;
            }
            if (r[i] == "#")
            {
                return false;
            }
            if (a[i] == "+")
            {
                continue;
            }
            if (r[i] == "+" || a[i] != r[i])
            {
                return false;
            }
        }
        // the request ended: equal length, or the rule only adds a trailing "#" (which also matches the parent)
        return a.Length == r.Length || (a.Length == r.Length + 1 && a[^1] == "#");
    }

    /// <summary>A valid topic name to publish on: non-empty, no wildcards, no NUL, at most 65535 UTF-8 bytes.</summary>
    public static bool IsValidTopicName(string? topic) =>
        !string.IsNullOrEmpty(topic) && topic.IndexOfAny(['+', '#', '\0']) < 0 && topic.Length <= 65535;

    /// <summary>A valid filter: '#' only as the whole last level, '+' only as a whole level.</summary>
    public static bool IsValidFilter(string? filter)
    {
        if (string.IsNullOrEmpty(filter) || filter.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }
        var levels = filter.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1))
            {
                return false;
            }
            if (level.Contains('+', StringComparison.Ordinal) && level != "+")
            {
                return false;
            }
        }
        return true;
    }
}
