using System.Text;
using Dispatch.Hocon.Model;

namespace Dispatch.Hocon.Parsing;

/// <summary>
/// Recursive-descent parser for one HOCON file. Fields are written straight into the tree of the whole
/// document (so later fields merge with earlier ones and self-references can look back); the recursion
/// is bounded by <see cref="ParseContext.MaxDepth"/>.
/// </summary>
internal sealed partial class Parser
{
    private readonly Tokenizer _tokenizer;

    /// <summary>The tokens read ahead of the current position, as a ring; the parser looks two ahead at most.</summary>
    private readonly Token[] _ahead = new Token[4];
    private readonly string _source;
    private readonly string _directory;
    private readonly ParseContext _context;
    private readonly string[] _includePrefix;
    private readonly StringBuilder _keyBuffer = new();
    private int _aheadStart;
    private int _aheadCount;
    /// <summary>The last token read other than whitespace, for "expected a value after ..." messages.</summary>
    private Token _previous;

    private Parser(string text, string source, string directory, ParseContext context, string[] includePrefix)
    {
        _tokenizer = new Tokenizer(text, source);
        _source = source;
        _directory = directory;
        _context = context;
        _includePrefix = includePrefix;
    }

    /// <summary>Parses a document; relative includes are looked up in <paramref name="directory"/>.</summary>
    public static HoconObject ParseText(string text, string source, string directory, string? filePath = null)
    {
        var root = new HoconObject(new HoconOrigin(source, 1, 1));
        var context = new ParseContext(root);
        if (filePath is not null)
        {
            context.IncludeStack.Add(filePath);
        }

        new Parser(text, source, directory, context, []).ParseDocument(root, [], 0);
        return root;
    }

    /// <summary>Parses a file; its includes are looked up next to it.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static HoconObject ParseFile(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"The HOCON file '{path}' was not found.", full);
        }

        return ParseText(File.ReadAllText(full), path, Path.GetDirectoryName(full)!, full);
    }

    private Token Peek => PeekAt(0);

    private Token PeekAt(int offset)
    {
        while (_aheadCount <= offset)
        {
            _ahead[(_aheadStart + _aheadCount) % _ahead.Length] = _tokenizer.Next();
            _aheadCount++;
        }

        return _ahead[(_aheadStart + offset) % _ahead.Length];
    }

    private Token Next()
    {
        var token = Peek;
        _aheadStart = (_aheadStart + 1) % _ahead.Length;
        _aheadCount--;
        if (token.Kind is not (TokenKind.Whitespace or TokenKind.Newline))
        {
            _previous = token;
        }

        return token;
    }

    private HoconOrigin OriginOf(Token token) => new(_source, token.Line, token.Column);

    private HoconParseException Error(Token token, string reason) => new(OriginOf(token), reason);

    private void SkipWhitespace()
    {
        while (Peek.Kind == TokenKind.Whitespace)
        {
            Next();
        }
    }

    private void SkipBlankLines()
    {
        while (Peek.Kind is TokenKind.Whitespace or TokenKind.Newline)
        {
            Next();
        }
    }

    private void CheckDepth(Token at, int depth)
    {
        if (depth > ParseContext.MaxDepth)
        {
            throw Error(at, $"nesting is deeper than {ParseContext.MaxDepth} levels");
        }
    }

    private void ParseDocument(HoconObject target, string[]? path, int depth)
    {
        SkipBlankLines();
        var first = Peek;
        if (first.Kind == TokenKind.OpenBracket)
        {
            throw Error(first, "a configuration document must be an object; found an array at the root");
        }

        if (first.Kind == TokenKind.OpenBrace)
        {
            Next();
            ParseObjectBody(target, path, depth, first);
            SkipBlankLines();
            if (Peek.Kind != TokenKind.End)
            {
                throw Error(Peek, $"expected the end of the document after the root object's '}}', found {Peek.Describe()}");
            }
        }
        else
        {
            ParseObjectBody(target, path, depth, null);
        }
    }

    /// <summary>Parses fields into <paramref name="target"/> until the matching '}' (or the end, without braces).</summary>
    /// <param name="target">The object the fields go into.</param>
    /// <param name="path">The absolute path of <paramref name="target"/>, or null for an object inside an array or concatenation.</param>
    /// <param name="depth">The tree depth of <paramref name="target"/>.</param>
    /// <param name="open">The opening brace, or null for a root without braces.</param>
    private void ParseObjectBody(HoconObject target, string[]? path, int depth, Token? open)
    {
        while (true)
        {
            SkipBlankLines();
            var token = Peek;
            switch (token.Kind)
            {
                case TokenKind.CloseBrace when open is not null:
                    Next();
                    return;
                case TokenKind.CloseBrace:
                    throw Error(token, "unexpected '}' with no matching '{'");
                case TokenKind.End when open is null:
                    return;
                case TokenKind.End:
                    throw Error(token, $"expected '}}' to close the object opened at {open.Value.Line}:{open.Value.Column}, but the input ended");
                case TokenKind.Comma:
                    throw Error(token, "unexpected ','; expected a field (key and value)");
            }

            ParseField(target, path, depth);
            SkipWhitespace();
            var after = Peek;
            switch (after.Kind)
            {
                case TokenKind.Comma:
                    Next();
                    break;
                case TokenKind.Newline or TokenKind.CloseBrace or TokenKind.End:
                    break;
                default:
                    throw Error(after, $"expected ',' or a new line after a field, found {after.Describe()}");
            }
        }
    }

    private void ParseField(HoconObject target, string[]? path, int depth)
    {
        if (IsIncludeStart())
        {
            ParseInclude(target, path, depth);
            return;
        }

        var keyToken = Peek;
        var segments = ParseKey();

        // As in JSON (and Lightbend's parser), line breaks and comments may come between a key and its
        // '=', ':', '+=' or '{'. A key always ends at the end of its line, so skipping them here cannot
        // change what an earlier document meant; it only accepts what used to be "no value" errors.
        SkipWhitespace();
        var keyLineEnded = Peek.Kind == TokenKind.Newline;
        SkipBlankLines();
        var fieldDepth = depth + segments.Length;
        CheckDepth(keyToken, fieldDepth);

        var keyOrigin = OriginOf(keyToken);
        var parent = target;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            parent = TreeBuilder.ObjectForWriting(parent, segments[i], keyOrigin);
        }

        var key = segments[^1];
        var fieldPath = path is null ? null : PathExpression.Concat(path, segments);
        var token = Peek;
        switch (token.Kind)
        {
            case TokenKind.OpenBrace:
                ParseObjectValue(parent, key, fieldPath, fieldDepth);
                break;
            case TokenKind.Separator:
                Next();
                SkipBlankLines();
                if (Peek.Kind == TokenKind.OpenBrace)
                {
                    ParseObjectValue(parent, key, fieldPath, fieldDepth);
                }
                else
                {
                    var value = ParseValue(fieldDepth, token);
                    TreeBuilder.Assign(parent, key, MarkSelfReferences(value, fieldPath));
                }

                break;
            case TokenKind.PlusEquals:
                Next();
                SkipWhitespace();
                ParseAppend(parent, key, fieldPath ?? segments, fieldDepth, token);
                break;
            default:
                // When the key's line ended, what follows (the next field, a '}', the end) is not the mistake;
                // the key left without a value is, so the error points at the key.
                var rendered = PathExpression.Render(segments);
                throw keyLineEnded
                    ? Error(keyToken, $"the key '{rendered}' has no value; expected '=', ':', '+=' or '{{' after it, found {token.Describe()} at {token.Line}:{token.Column}")
                    : Error(token, $"expected '=', ':', '+=' or '{{' after the key '{rendered}', found {token.Describe()}");
        }
    }

    /// <summary><c>a += x</c> is <c>a = ${?a} [x]</c>.</summary>
    private void ParseAppend(HoconObject parent, string key, string[] fieldPath, int depth, Token operatorToken)
    {
        var element = ParseValue(depth + 1, operatorToken);
        var origin = OriginOf(operatorToken);
        var earlier = parent.Get(key) switch
        {
            null => new HoconPrevious(fieldPath, optional: true, null, origin),
            HoconUnresolved unresolved => new HoconPrevious(fieldPath, optional: true, TreeBuilder.Freeze(unresolved), origin),
            var resolved => TreeBuilder.Freeze(resolved),
        };
        var appended = new HoconArray([element], element.Origin);
        TreeBuilder.Assign(parent, key, JoinIfResolved(new HoconConcatenation([earlier, appended], origin)));
    }

    /// <summary>
    /// An object literal after a key is parsed straight into the tree; an object may be followed by more
    /// objects or substitutions (object concatenation), which merge over it.
    /// </summary>
    private void ParseObjectValue(HoconObject parent, string key, string[]? fieldPath, int depth)
    {
        while (true)
        {
            var token = Peek;
            switch (token.Kind)
            {
                case TokenKind.OpenBrace:
                    Next();
                    var inner = TreeBuilder.ObjectForWriting(parent, key, OriginOf(token));
                    ParseObjectBody(inner, fieldPath, depth, token);
                    break;
                case TokenKind.Whitespace:
                    Next();
                    break;
                case TokenKind.Substitution:
                    Next();
                    TreeBuilder.Assign(parent, key, MarkSelfReferences(SubstitutionValue(token), fieldPath));
                    break;
                case TokenKind.Newline or TokenKind.Comma or TokenKind.CloseBrace or TokenKind.CloseBracket or TokenKind.End:
                    return;
                default:
                    throw Error(token, $"expected ',' or a new line after an object, found {token.Describe()} (an object can only be concatenated with objects and substitutions)");
            }
        }
    }

    /// <summary>Reads a key: unquoted parts split at '.', quoted parts taken whole, inner spaces kept.</summary>
    private string[] ParseKey()
    {
        var first = Peek;
        var segments = new List<string>(4);
        _keyBuffer.Clear();
        var hasText = false;
        while (true)
        {
            var token = Peek;
            if (token.Kind == TokenKind.Unquoted)
            {
                var text = token.Text;
                var start = 0;
                int dot;
                while ((dot = text.IndexOf('.', start)) >= 0)
                {
                    _keyBuffer.Append(text, start, dot - start);
                    if (!hasText && dot == start)
                    {
                        throw Error(token, $"empty path segment in the key '{text}'; expected a name before '.'");
                    }

                    segments.Add(_keyBuffer.ToString());
                    _keyBuffer.Clear();
                    hasText = false;
                    start = dot + 1;
                }

                _keyBuffer.Append(text, start, text.Length - start);
                hasText |= start < text.Length;
            }
            else if (token.Kind == TokenKind.Quoted)
            {
                _keyBuffer.Append(token.Text);
                hasText = true;
            }
            else if (token.Kind == TokenKind.Whitespace && hasText && PeekAt(1).Kind is TokenKind.Unquoted or TokenKind.Quoted)
            {
                _keyBuffer.Append(token.Text);
            }
            else if (token.Kind == TokenKind.Substitution)
            {
                throw Error(token, "substitutions are not allowed in keys");
            }
            else
            {
                break;
            }

            Next();
        }

        if (!hasText)
        {
            throw segments.Count == 0
                ? Error(first, $"expected a key, found {first.Describe()}")
                : Error(Peek, "a key may not end with '.'; expected a name after it");
        }

        segments.Add(_keyBuffer.ToString());
        return segments.ToArray();
    }
}
