using System.Text;

namespace Dispatch.Hocon.Parsing;

/// <summary>Reads and writes path expressions such as <c>a.b."c.d"</c>.</summary>
internal static class PathExpression
{
    /// <summary>Parses a path given to a getter; quoted segments may contain dots.</summary>
    /// <exception cref="ArgumentException">The path is empty or malformed.</exception>
    public static string[] Parse(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = new List<string>();
        var current = new StringBuilder();
        var segmentHasText = false;
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '"')
            {
                var end = path.IndexOf('"', i + 1);
                if (end < 0)
                {
                    throw new ArgumentException($"Path '{path}' has an unterminated quoted segment.", nameof(path));
                }

                current.Append(path, i + 1, end - i - 1);
                segmentHasText = true;
                i = end;
            }
            else if (c == '.')
            {
                if (!segmentHasText)
                {
                    throw new ArgumentException($"Path '{path}' has an empty segment.", nameof(path));
                }

                segments.Add(current.ToString());
                current.Clear();
                segmentHasText = false;
            }
            else
            {
                current.Append(c);
                segmentHasText = true;
            }
        }

        if (!segmentHasText)
        {
            throw new ArgumentException($"Path '{path}' is empty or ends with '.'.", nameof(path));
        }

        segments.Add(current.ToString());
        return segments.ToArray();
    }

    /// <summary>Renders a path, quoting segments that would otherwise read differently.</summary>
    public static string Render(IReadOnlyList<string> path)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < path.Count; i++)
        {
            if (i > 0)
            {
                sb.Append('.');
            }

            var segment = path[i];
            if (segment.Length == 0 || segment.AsSpan().IndexOfAny(".\"${}[]:=,+#'\\ \t") >= 0)
            {
                sb.Append('"').Append(segment.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                sb.Append(segment);
            }
        }

        return sb.ToString();
    }

    /// <summary>Renders a substitution as written: <c>${a.b}</c> or <c>${?a.b}</c>.</summary>
    public static string Describe(IReadOnlyList<string> path, bool optional) =>
        optional ? $"${{?{Render(path)}}}" : $"${{{Render(path)}}}";

    /// <summary>Whether <paramref name="prefix"/> equals <paramref name="path"/> or is a leading part of it.</summary>
    public static bool IsPrefixOf(IReadOnlyList<string> prefix, IReadOnlyList<string> path)
    {
        if (prefix.Count > path.Count)
        {
            return false;
        }

        for (var i = 0; i < prefix.Count; i++)
        {
            if (!string.Equals(prefix[i], path[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public static string[] Concat(IReadOnlyList<string> first, IReadOnlyList<string> second)
    {
        var result = new string[first.Count + second.Count];
        for (var i = 0; i < first.Count; i++)
        {
            result[i] = first[i];
        }

        for (var i = 0; i < second.Count; i++)
        {
            result[first.Count + i] = second[i];
        }

        return result;
    }
}
