using System.Reflection;
using System.Text;

namespace Dispatch.FakeUpstream.Tests.PublicApi;

/// <summary>
/// The library's public surface, as one sorted text file: a change to it shows up in review as a
/// change to <c>Dispatch.FakeUpstream.approved.txt</c>, never by accident.
/// </summary>
public sealed class PublicApiSpec
{
    private const string ApprovedFile = "Dispatch.FakeUpstream.approved.txt";

    [Fact]
    public void Public_api_matches_the_approved_file()
    {
        var actual = Describe(typeof(FakeUpstreamServer).Assembly);
        var approved = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "PublicApi", ApprovedFile)).ReplaceLineEndings("\n");

        if (actual != approved)
        {
            var received = Path.Combine(AppContext.BaseDirectory, "PublicApi", "Dispatch.FakeUpstream.received.txt");
            File.WriteAllText(received, actual);
            var added = actual.Split('\n').Except(approved.Split('\n')).Select(line => "+ " + line);
            var removed = approved.Split('\n').Except(actual.Split('\n')).Select(line => "- " + line);
            Assert.Fail($"The public API changed; if intended, copy {received} over tests/Dispatch.FakeUpstream.Tests/PublicApi/{ApprovedFile}.\n"
                + string.Join('\n', removed.Concat(added)));
        }
    }

    private static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            lines.Add($"{Kind(type)} {type.FullName}");
            const BindingFlags declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(declared))
            {
                if (member is MethodInfo { IsSpecialName: true } or FieldInfo { IsSpecialName: true }) continue;
                var isStatic = member switch
                {
                    MethodBase method => method.IsStatic,
                    PropertyInfo property => (property.GetMethod ?? property.SetMethod)!.IsStatic,
                    FieldInfo field => field.IsStatic,
                    _ => false,
                };
                lines.Add($"{type.FullName}: {(isStatic ? "static " : "")}{Describe(member)}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return new StringBuilder().AppendJoin('\n', lines).Append('\n').ToString();
    }

    private static string Describe(MemberInfo member) => member switch
    {
        PropertyInfo property => $"{property} {{ {(property.GetMethod?.IsPublic == true ? "get; " : "")}{(property.SetMethod?.IsPublic == true ? (IsInitOnly(property.SetMethod) ? "init; " : "set; ") : "")}}}",
        _ => member.ToString()!,
    };

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(modifier => modifier.FullName == "System.Runtime.CompilerServices.IsExternalInit");

    private static string Kind(Type type) => type switch
    {
        { IsEnum: true } => "enum",
        { IsInterface: true } => "interface",
        { IsValueType: true } => "struct",
        { IsAbstract: true, IsSealed: true } => "static class",
        _ => "class",
    };
}
