using System.Reflection;
using System.Runtime.CompilerServices;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Tests.PublicApi;

/// <summary>
/// The public API of Dispatch.Core is tracked in Dispatch.Core.approved.txt, so a change to it
/// shows up in review as a change to that file. When the API changes on purpose, copy the
/// .received.txt file written next to it over the approved one.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void The_public_api_matches_the_approved_listing()
    {
        var actual = Describe(typeof(APICalling).Assembly);
        var directory = Path.Combine(SourceDirectory(), "PublicApi");
        var approvedPath = Path.Combine(directory, "Dispatch.Core.approved.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : "";

        if (approved != actual && Directory.Exists(directory)) File.WriteAllText(Path.Combine(directory, "Dispatch.Core.received.txt"), actual);

        Assert.Equal(approved, actual);
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(Path.GetDirectoryName(path))!;

    private static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add($"{Kind(type)} {Name(type)}{Bases(type)}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = type.GetMembers(flags)
                .Where(m => m is not MethodInfo { IsSpecialName: true } and not FieldInfo { IsSpecialName: true } && !IsCompilerGenerated(m))
                .Select(m => "  " + Member(m))
                .Order(StringComparer.Ordinal);
            lines.AddRange(members);
        }

        return string.Join("\n", lines) + "\n";
    }

    private static bool IsCompilerGenerated(MemberInfo member) =>
        member.IsDefined(typeof(CompilerGeneratedAttribute)) ||
        member.Name is "<Clone>$" or "EqualityContract" or "Deconstruct" or "PrintMembers" or "Equals" or "GetHashCode" or "ToString";

    private static string Kind(Type type) =>
        type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : type.IsAbstract ? "abstract class" : "class";

    private static string Bases(Type type)
    {
        var bases = new List<string>();
        if (type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum)) bases.Add(Name(b));
        bases.AddRange(type.GetInterfaces().Where(i => i.IsPublic && !i.Name.StartsWith("IEquatable", StringComparison.Ordinal)).Select(Name).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? "" : " : " + string.Join(", ", bases);
    }

    private static string Member(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m => $"{(m.IsStatic ? "static " : "")}{Name(m.ReturnType)} {m.Name}({Parameters(m)})",
        PropertyInfo p => $"{(p.GetMethod?.IsStatic == true ? "static " : "")}{Name(p.PropertyType)} {p.Name} {{ {(p.GetMethod?.IsPublic == true ? "get; " : "")}{(p.SetMethod?.IsPublic == true ? (IsInit(p) ? "init; " : "set; ") : "")}}}",
        FieldInfo f when f.DeclaringType!.IsEnum && f.IsLiteral => $"{f.Name} = {Convert.ToInt64(f.GetRawConstantValue())}",
        FieldInfo f => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{Name(f.FieldType)} {f.Name}",
        EventInfo e => $"event {Name(e.EventHandlerType!)} {e.Name}",
        Type t => $"nested {Name(t)}",
        _ => member.ToString()!,
    };

    private static bool IsInit(PropertyInfo property) =>
        property.SetMethod!.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit");

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{(p.ParameterType.IsByRef ? (p.IsOut ? "out " : p.IsIn ? "in " : "ref ") : "")}{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    private static string Name(Type type)
    {
        if (type.IsByRef) return Name(type.GetElementType()!);
        if (Nullable.GetUnderlyingType(type) is { } inner) return Name(inner) + "?";
        if (type.IsArray) return Name(type.GetElementType()!) + "[]";
        if (type.IsGenericParameter) return type.Name;
        var name = type.IsNested ? Name(type.DeclaringType!) + "." + type.Name : type.Namespace is "System" or "System.Collections.Generic" or "System.Threading" or "System.Threading.Tasks" ? type.Name : type.FullName ?? type.Name;
        if (!type.IsGenericType) return name;
        var tick = name.IndexOf('`');
        return $"{(tick < 0 ? name : name[..tick])}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
    }
}
