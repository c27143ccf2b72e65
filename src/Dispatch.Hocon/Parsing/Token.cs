namespace Dispatch.Hocon.Parsing;

internal enum TokenKind
{
    End,
    Newline,
    Whitespace,
    Comma,

    /// <summary><c>=</c> or <c>:</c>.</summary>
    Separator,
    PlusEquals,
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    Unquoted,
    Quoted,
    Substitution,
}

/// <summary>One lexical element with its position; substitutions carry their parsed path.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column, string[]? Path = null, bool Optional = false)
{
    public string Describe() => Kind switch
    {
        TokenKind.End => "end of input",
        TokenKind.Newline => "end of line",
        TokenKind.Whitespace => "whitespace",
        TokenKind.Quoted => $"string \"{Text}\"",
        TokenKind.Unquoted => $"'{Text}'",
        TokenKind.Substitution => $"substitution {PathExpression.Describe(Path!, Optional)}",
        _ => $"'{Text}'",
    };
}
