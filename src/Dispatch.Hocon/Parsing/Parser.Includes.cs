using Dispatch.Hocon.Model;

namespace Dispatch.Hocon.Parsing;

internal sealed partial class Parser
{
    private bool IsIncludeStart()
    {
        if (Peek.Kind != TokenKind.Unquoted || Peek.Text != "include" || PeekAt(1).Kind != TokenKind.Whitespace)
        {
            return false;
        }

        var argument = PeekAt(2);
        return argument.Kind == TokenKind.Quoted
            || (argument.Kind == TokenKind.Unquoted && argument.Text.Contains('(', StringComparison.Ordinal));
    }

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
                case TokenKind.Whitespace:
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
        var found = File.Exists(full) ? full : null;
        if (found is null && Path.GetExtension(full).Length == 0)
        {
            // The spec lets "include name" pick name.conf or name.json.
            found = new[] { full + ".conf", full + ".json" }.FirstOrDefault(File.Exists);
        }

        if (found is null)
        {
            if (required)
            {
                throw Error(name, $"required include \"{name.Text}\" was not found (looked for {full})");
            }

            return;
        }

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
