using Dispatch.Hocon.Model;
using Dispatch.Hocon.Resolution;

namespace Dispatch.Hocon.Parsing;

internal sealed partial class Parser
{
    /// <summary>
    /// Reads one value: a single piece or a concatenation of pieces on one line. Concatenations without
    /// substitutions are joined right away, so type errors show where they are written.
    /// </summary>
    private HoconValue ParseValue(int depth, Token after)
    {
        var pieces = new List<HoconValue>(1);
        Token? pendingSpace = null;
        var unresolved = false;
        while (true)
        {
            var token = Peek;
            HoconValue piece;
            switch (token.Kind)
            {
                case TokenKind.Quoted:
                    Next();
                    piece = HoconScalar.String(token.Text, OriginOf(token));
                    break;
                case TokenKind.Unquoted:
                    Next();
                    piece = HoconScalar.FromUnquoted(token.Text, OriginOf(token));
                    break;
                case TokenKind.Substitution:
                    Next();
                    piece = SubstitutionValue(token);
                    unresolved = true;
                    break;
                case TokenKind.OpenBrace:
                    Next();
                    CheckDepth(token, depth + 1);
                    var obj = new HoconObject(OriginOf(token));
                    ParseObjectBody(obj, null, depth + 1, token);
                    piece = obj;
                    break;
                case TokenKind.OpenBracket:
                    piece = ParseArray(depth + 1);
                    break;
                case TokenKind.Whitespace:
                    Next();
                    if (pieces.Count > 0)
                    {
                        pendingSpace = token;
                    }

                    continue;
                default:
                    if (pieces.Count == 0)
                    {
                        throw Error(token, $"expected a value after {after.Describe()}, found {token.Describe()}");
                    }

                    return Combine(pieces, unresolved);
            }

            if (pendingSpace is { } space)
            {
                pieces.Add(HoconScalar.Whitespace(space.Text, OriginOf(space)));
                pendingSpace = null;
            }

            pieces.Add(piece);
        }
    }

    private HoconValue Combine(List<HoconValue> pieces, bool unresolved)
    {
        if (pieces.Count == 1)
        {
            return pieces[0];
        }

        var origin = pieces[0].Origin;
        if (unresolved)
        {
            return new HoconConcatenation(pieces, origin);
        }

        return Concatenation.Join(pieces, origin, (message, at) => new HoconParseException(at, message))!;
    }

    private HoconArray ParseArray(int depth)
    {
        var open = Next();
        CheckDepth(open, depth);
        var items = new List<HoconValue>();
        while (true)
        {
            SkipBlankLines();
            var token = Peek;
            switch (token.Kind)
            {
                case TokenKind.CloseBracket:
                    Next();
                    return new HoconArray(items, OriginOf(open));
                case TokenKind.End:
                    throw Error(token, $"expected ']' to close the array opened at {open.Line}:{open.Column}, but the input ended");
                case TokenKind.Comma:
                    throw Error(token, "unexpected ','; expected an array element or ']'");
            }

            items.Add(ParseValue(depth, _previous));
            SkipWhitespace();
            var after = Peek;
            switch (after.Kind)
            {
                case TokenKind.Comma:
                    Next();
                    break;
                case TokenKind.Newline or TokenKind.CloseBracket:
                    break;
                case TokenKind.End:
                    throw Error(after, $"expected ']' to close the array opened at {open.Line}:{open.Column}, but the input ended");
                default:
                    throw Error(after, $"expected ',', a new line or ']' after an array element, found {after.Describe()}");
            }
        }
    }

    /// <summary>
    /// A substitution in a file included below the root is looked up under the include point first
    /// and then as written, as the spec asks.
    /// </summary>
    private HoconSubstitution SubstitutionValue(Token token)
    {
        var path = token.Path!;
        return _includePrefix.Length == 0
            ? new HoconSubstitution(path, null, token.Optional, OriginOf(token))
            : new HoconSubstitution(PathExpression.Concat(_includePrefix, path), path, token.Optional, OriginOf(token));
    }

    /// <summary>
    /// Turns a field's substitutions of its own path (or of a path inside it) into references to the
    /// value the path had before this assignment: <c>path = ${path} ":/extra"</c>. As the spec says, only
    /// a substitution that is the whole value or a part of a concatenation counts; one inside an object
    /// or array literal (<c>a = [${a}]</c>) is an ordinary substitution and so a cycle.
    /// </summary>
    private HoconValue MarkSelfReferences(HoconValue value, string[]? fieldPath)
    {
        if (fieldPath is null)
        {
            return value;
        }

        if (value is HoconConcatenation concatenation)
        {
            var parts = concatenation.Parts;
            for (var i = 0; i < parts.Count; i++)
            {
                parts[i] = MarkSelfReference(parts[i], fieldPath);
            }

            return JoinIfResolved(concatenation);
        }

        return MarkSelfReference(value, fieldPath);
    }

    /// <summary>
    /// Joins a concatenation whose substitutions all turned into earlier values, so that a long run of
    /// <c>a += x</c> lines stays one flat array instead of a chain as long as the file.
    /// </summary>
    private static HoconValue JoinIfResolved(HoconConcatenation concatenation)
    {
        foreach (var part in concatenation.Parts)
        {
            if (part is HoconUnresolved)
            {
                return concatenation;
            }
        }

        return Concatenation.Join(concatenation.Parts, concatenation.Origin, (message, at) => new HoconParseException(at, message))!;
    }

    private HoconValue MarkSelfReference(HoconValue value, string[] fieldPath)
    {
        if (value is not HoconSubstitution substitution || !PathExpression.IsPrefixOf(fieldPath, substitution.Path))
        {
            return value;
        }

        // An earlier value that needs no resolution stands in for the reference right away.
        return TreeBuilder.ValueAt(_context.Root, substitution.Path) switch
        {
            null => new HoconPrevious(substitution.Path, substitution.Optional, null, substitution.Origin),
            HoconUnresolved unresolved => new HoconPrevious(substitution.Path, substitution.Optional, TreeBuilder.Freeze(unresolved), substitution.Origin),
            var earlier => TreeBuilder.Freeze(earlier),
        };
    }
}
