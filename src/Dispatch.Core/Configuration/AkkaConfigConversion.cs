using System.Text;
using System.Text.Json;
using Akka.Configuration.Hocon;
using Dispatch.Hocon;
using AkkaConfig = Akka.Configuration.Config;

namespace Dispatch.Core.Configuration;

/// <summary>
/// Turns an Akka <see cref="AkkaConfig"/> (already parsed and resolved by Akka) into a
/// <see cref="HoconConfig"/>, so Dispatch reads an Akka user's settings with the same mapping,
/// defaults and messages as its own files. Akka keeps every scalar as text; they are carried over
/// as strings, which Dispatch's getters read as numbers, durations or booleans where asked.
/// </summary>
internal static class AkkaConfigConversion
{
    /// <summary>The subtree at <paramref name="path"/> of <paramref name="config"/>, under the same path; empty when absent.</summary>
    public static HoconConfig Section(AkkaConfig config, string path)
    {
        if (config.IsEmpty || !config.HasPath(path)) return HoconConfig.Empty;
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WritePropertyName(path);
            Write(json, config.GetValue(path));
            json.WriteEndObject();
        }

        return HoconConfig.Parse(Encoding.UTF8.GetString(buffer.ToArray()), $"the Akka configuration's {path} section");
    }

    private static void Write(Utf8JsonWriter json, HoconValue value)
    {
        if (value.IsObject())
        {
            json.WriteStartObject();
            foreach (var (key, field) in value.GetObject().Items)
            {
                json.WritePropertyName(key);
                Write(json, field);
            }

            json.WriteEndObject();
        }
        else if (value.IsArray())
        {
            json.WriteStartArray();
            foreach (var element in value.GetArray()) Write(json, element);
            json.WriteEndArray();
        }
        else if (value.GetString() is { } text)
        {
            json.WriteStringValue(text);
        }
        else
        {
            json.WriteNullValue();
        }
    }
}
