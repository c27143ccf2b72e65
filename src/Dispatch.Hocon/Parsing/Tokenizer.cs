using System.Buffers;
using System.Collections.Immutable;
using System.Text;

namespace Dispatch.Hocon.Parsing;

/// <summary>
/// Turns HOCON text into tokens, one at a time, in one pass over the string (the parser looks at most
/// two tokens ahead, so no token list is built). Comments are dropped; runs of spaces within a line
/// become one whitespace token because concatenations keep them.
/// </summary>
internal sealed class Tokenizer
{
    private const string Reserved = "`^?!@*&\\";

    /// <summary>Strings of 0 to 64 spaces, shared by the whitespace tokens of indented text.</summary>
    private static readonly ImmutableArray<string> Spaces = [.. Enumerable.Range(0, 65).Select(n => new string(' ', n))];

    /// <summary>Characters that end (or are not allowed in) unquoted text, plus every non-ASCII character, checked one by one.</summary>
    private static readonly SearchValues<char> UnquotedStops = SearchValues.Create(BuildUnquotedStops());

    private readonly string _text;
    private readonly string _source;
    private readonly StringBuilder _buffer = new();
    private readonly StringBuilder _pathBuffer = new();
    private int _pos;
    private int _line = 1;
    private int _column = 1;

    public Tokenizer(string text, string source)
    {
        _text = text;
        _source = source;
    }

    /// <summary>The next token; at the end of the text, an <see cref="TokenKind.End"/> token every time.</summary>
    public Token Next()
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            var line = _line;
            var column = _column;
            switch (c)
            {
                case '\n':
                    Advance();
                    return new Token(TokenKind.Newline, "\n", line, column);
                case '#':
                    SkipComment();
                    continue;
                case '/' when Peek(1) == '/':
                    SkipComment();
                    continue;
                case ',':
                    Advance();
                    return new Token(TokenKind.Comma, ",", line, column);
                case '=' or ':':
                    Advance();
                    return new Token(TokenKind.Separator, c == '=' ? "=" : ":", line, column);
                case '+':
                    if (Peek(1) != '=')
                    {
                        throw Error(line, column, "'+' is only allowed as part of '+='; quote strings that contain '+'");
                    }

                    Advance();
                    Advance();
                    return new Token(TokenKind.PlusEquals, "+=", line, column);
                case '{':
                    Advance();
                    return new Token(TokenKind.OpenBrace, "{", line, column);
                case '}':
                    Advance();
                    return new Token(TokenKind.CloseBrace, "}", line, column);
                case '[':
                    Advance();
                    return new Token(TokenKind.OpenBracket, "[", line, column);
                case ']':
                    Advance();
                    return new Token(TokenKind.CloseBracket, "]", line, column);
                case '"':
                    return ReadQuoted(line, column);
                case '$':
                    return ReadSubstitution(line, column);
                default:
                    return IsWhitespace(c) ? ReadWhitespace(line, column) : ReadUnquoted(line, column);
            }
        }

        return new Token(TokenKind.End, string.Empty, _line, _column);
    }

    private static bool IsWhitespace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF');

    private char Peek(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private void Advance()
    {
        if (_text[_pos] == '\n')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }

        _pos++;
    }

    private HoconParseException Error(int line, int column, string reason) => new(new HoconOrigin(_source, line, column), reason);

    private void SkipComment()
    {
        var end = _text.IndexOf('\n', _pos);
        end = end < 0 ? _text.Length : end;
        _column += end - _pos;
        _pos = end;
    }

    private Token ReadWhitespace(int line, int column)
    {
        var start = _pos;
        while (_pos < _text.Length && IsWhitespace(_text[_pos]))
        {
            _pos++;
        }

        var length = _pos - start;
        _column += length;

        // Indentation is mostly plain spaces; share those strings instead of allocating one per line.
        var run = _text.AsSpan(start, length);
        var text = length < Spaces.Length && !run.ContainsAnyExcept(' ') ? Spaces[length] : run.ToString();
        return new Token(TokenKind.Whitespace, text, line, column);
    }

    private Token ReadUnquoted(int line, int column)
    {
        var start = _pos;
        while (_pos < _text.Length)
        {
            // Jump over plain characters with a vectorised search, then look at what stopped it.
            var run = _text.AsSpan(_pos).IndexOfAny(UnquotedStops);
            _pos = run < 0 ? _text.Length : _pos + run;
            if (_pos >= _text.Length)
            {
                break;
            }

            var c = _text[_pos];
            if (c > '\u007f')
            {
                if (IsWhitespace(c))
                {
                    break;
                }

                _pos++;
                continue;
            }

            if (c == '/')
            {
                if (Peek(1) == '/')
                {
                    break;
                }

                _pos++;
                continue;
            }

            if (Reserved.Contains(c, StringComparison.Ordinal))
            {
                _column += _pos - start;
                throw Error(_line, _column, $"reserved character '{c}' is not allowed outside quotes; quote the string");
            }

            break;
        }

        _column += _pos - start;
        return new Token(TokenKind.Unquoted, _text.Substring(start, _pos - start), line, column);
    }

    private Token ReadQuoted(int line, int column)
    {
        if (Peek(1) == '"' && Peek(2) == '"')
        {
            return ReadTripleQuoted(line, column);
        }

        Advance();
        _buffer.Clear();
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] == '\n')
            {
                throw Error(line, column, $"unterminated string starting at {line}:{column}; expected a closing '\"' before the end of the line");
            }

            var c = _text[_pos];
            if (c == '"')
            {
                Advance();
                break;
            }

            if (c == '\\')
            {
                ReadEscape();
                continue;
            }

            // Copy a run of plain characters at once rather than one by one.
            var runEnd = _text.AsSpan(_pos).IndexOfAny("\"\\\n");
            var length = runEnd < 0 ? _text.Length - _pos : runEnd;
            _buffer.Append(_text, _pos, length);
            _pos += length;
            _column += length;
        }

        return new Token(TokenKind.Quoted, _buffer.ToString(), line, column);
    }

    private void ReadEscape()
    {
        var line = _line;
        var column = _column;
        Advance();
        if (_pos >= _text.Length)
        {
            throw Error(line, column, "expected an escape character after '\\' but the input ended");
        }

        var c = _text[_pos];
        Advance();
        switch (c)
        {
            case '"': _buffer.Append('"'); break;
            case '\\': _buffer.Append('\\'); break;
            case '/': _buffer.Append('/'); break;
            case 'b': _buffer.Append('\b'); break;
            case 'f': _buffer.Append('\f'); break;
            case 'n': _buffer.Append('\n'); break;
            case 'r': _buffer.Append('\r'); break;
            case 't': _buffer.Append('\t'); break;
            case 'u':
                var code = 0;
                for (var i = 0; i < 4; i++)
                {
                    var digit = _pos < _text.Length ? HexValue(_text[_pos]) : -1;
                    if (digit < 0)
                    {
                        throw Error(line, column, "expected four hex digits after '\\u'");
                    }

                    code = (code * 16) + digit;
                    Advance();
                }

                _buffer.Append((char)code);
                break;
            default:
                throw Error(line, column, $"invalid escape '\\{(c == '\n' ? "newline" : c.ToString())}'; expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
        }
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private Token ReadTripleQuoted(int line, int column)
    {
        Advance();
        Advance();
        Advance();
        var start = _pos;
        var close = _text.IndexOf("\"\"\"", _pos, StringComparison.Ordinal);
        if (close < 0)
        {
            throw Error(line, column, $"unterminated triple-quoted string starting at {line}:{column}; expected a closing '\"\"\"'");
        }

        // Quotes right before the closing three belong to the string (""""a"""" is "a").
        while (close + 3 < _text.Length && _text[close + 3] == '"')
        {
            close++;
        }

        while (_pos < close + 3)
        {
            Advance();
        }

        return new Token(TokenKind.Quoted, _text.Substring(start, close - start), line, column);
    }

    private Token ReadSubstitution(int line, int column)
    {
        if (Peek(1) != '{')
        {
            throw Error(line, column, "'$' must start a substitution '${...}'; quote strings that contain '$'");
        }

        Advance();
        Advance();
        var optional = false;
        if (Peek(0) == '?')
        {
            optional = true;
            Advance();
        }

        var segments = new List<string>();
        _pathBuffer.Clear();
        var segmentHasText = false;
        var pendingSpace = 0;
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] == '\n')
            {
                throw Error(line, column, $"unterminated substitution starting at {line}:{column}; expected '}}'");
            }

            var c = _text[_pos];
            if (c == '}')
            {
                Advance();
                break;
            }

            if (c == '"')
            {
                FlushSpace(ref pendingSpace, segmentHasText);
                _pathBuffer.Append(ReadQuoted(_line, _column).Text);
                segmentHasText = true;
                continue;
            }

            if (c == '.')
            {
                if (!segmentHasText)
                {
                    throw Error(_line, _column, "empty path segment in substitution; expected a name before '.'");
                }

                segments.Add(_pathBuffer.ToString());
                _pathBuffer.Clear();
                segmentHasText = false;
                pendingSpace = 0;
                Advance();
                continue;
            }

            if (IsWhitespace(c))
            {
                pendingSpace++;
                Advance();
                continue;
            }

            if (Reserved.Contains(c, StringComparison.Ordinal) || c is '$' or '{' or '[' or ']' or ':' or '=' or ',' or '+' or '#')
            {
                throw Error(_line, _column, $"character '{c}' is not allowed in a substitution path; quote the segment");
            }

            FlushSpace(ref pendingSpace, segmentHasText);
            _pathBuffer.Append(c);
            segmentHasText = true;
            Advance();
        }

        if (!segmentHasText)
        {
            throw Error(line, column, segments.Count == 0 ? "empty substitution '${}'; expected a path" : "substitution path ends with '.'; expected a name");
        }

        segments.Add(_pathBuffer.ToString());
        return new Token(TokenKind.Substitution, string.Empty, line, column, segments.ToArray(), optional);
    }

    /// <summary>Spaces inside a path segment are kept; leading and trailing ones are not.</summary>
    private void FlushSpace(ref int pendingSpace, bool segmentHasText)
    {
        if (segmentHasText && pendingSpace > 0)
        {
            _pathBuffer.Append(' ', pendingSpace);
        }

        pendingSpace = 0;
    }

    private static string BuildUnquotedStops()
    {
        var stops = new StringBuilder("$\"{}[]:=,+#/\n" + Reserved);
        for (var c = '\0'; c <= '\u007f'; c++)
        {
            if (char.IsWhiteSpace(c))
            {
                stops.Append(c);
            }
        }

        for (var c = '\u0080'; c < char.MaxValue; c++)
        {
            stops.Append(c);
        }

        return stops.Append(char.MaxValue).ToString();
    }
}
