using Dispatch.Hocon.Model;

namespace Dispatch.Hocon.Parsing;

internal sealed partial class Parser
{
    /// <summary>An unquoted <c>include</c> followed by whitespace starts an include wherever a key is expected.</summary>
    private bool IsIncludeStart() =>
        Peek.Kind == TokenKind.Unquoted && Peek.Text == "include" && PeekAt(1).Kind is TokenKind.Whitespace or TokenKind.Newline;

    /// <summary>
    /// Reads <c>include "x"</c>, <c>include file("x")</c>, <c>include classpath("x")</c> and
    /// <c>include required(...)</c>, then merges the file's fields into <paramref name="target"/>.
    /// </summary>
    private void ParseInclude(HoconObject target, string[]? path, int depth)
    {
        var include = Next();
        var before = string.Empty;
        Token? name = null;
        while (name is null)
        {
            var token = Next();
            switch (token.Kind)
            {
                case TokenKind.Whitespace or TokenKind.Newline:
                    break;
                case TokenKind.Unquoted when token.Text.EndsWith('('):
                    before += token.Text;
                    break;
                case TokenKind.Quoted:
                    name = token;
                    break;
                default:
                    throw Error(token, $"expected a quoted file name in the include, found {token.Describe()}");
            }
        }

        var after = string.Empty;
        while (Peek.Kind is TokenKind.Whitespace or TokenKind.Unquoted)
        {
            after += Peek.Kind == TokenKind.Unquoted ? Peek.Text : string.Empty;
            Next();
        }

        var required = before.StartsWith("required(", StringComparison.Ordinal);
        var kind = required ? before["required(".Length..] : before;
        var closing = required ? 1 : 0;
        switch (kind)
        {
            case "":
                break;
            case "file(" or "classpath(":
                closing++;
                break;
            case "url(":
                throw Error(include, "url() includes are not supported; use file(\"...\")");
            default:
                throw Error(include, $"expected include \"name\", file(\"name\"), classpath(\"name\") or required(...), found '{before}'");
        }

        if (after != new string(')', closing))
        {
            throw Error(name.Value, closing == 0
                ? $"unexpected '{after}' after the included file name"
                : $"expected {closing} closing ')' after the included file name, found '{after}'");
        }

        IncludeFile(name.Value, required, target, path, depth);
    }

    private void IncludeFile(Token name, bool required, HoconObject target, string[]? path, int depth)
    {
        var full = Path.GetFullPath(Path.Combine(_directory, name.Text));
        var found = new List<string>(2);
        if (File.Exists(full))
        {
            found.Add(full);
        }
        else if (Path.GetExtension(full).Length == 0)
        {
            // The spec loads every known extension of a bare name, the HOCON file last so that it wins.
            found.AddRange(new[] { full + ".json", full + ".conf" }.Where(File.Exists));
        }

        if (found.Count == 0 && required)
        {
            throw Error(name, $"required include \"{name.Text}\" was not found (looked for {full})");
        }

        foreach (var file in found)
        {
            IncludeOneFile(name, file, target, path, depth);
        }
    }

    private void IncludeOneFile(Token name, string found, HoconObject target, string[]? path, int depth)
    {
        if (_context.IncludeStack.Contains(found, StringComparer.Ordinal))
        {
            throw Error(name, $"include cycle: {string.Join(" -> ", _context.IncludeStack.Append(found))}");
        }

        if (_context.IncludeStack.Count >= ParseContext.MaxIncludeDepth)
        {
            throw Error(name, $"includes are nested more than {ParseContext.MaxIncludeDepth} files deep");
        }

        string text;
        try
        {
            text = File.ReadAllText(found);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error(name, $"could not read the included file {found}: {e.Message}");
        }

        _context.IncludeStack.Add(found);
        try
        {
            var parser = new Parser(text, found, Path.GetDirectoryName(found)!, _context, path ?? []);
            parser.ParseDocument(target, path, depth);
        }
        finally
        {
            _context.IncludeStack.RemoveAt(_context.IncludeStack.Count - 1);
        }
    }
}
