using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dispatch.Hocon.Model;

namespace Dispatch.Hocon.Rendering;

/// <summary>Writes a resolved tree as JSON.</summary>
internal static class JsonRenderer
{
    public static string Render(HoconValue value, bool indented)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var options = new JsonWriterOptions
        {
            Indented = indented,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,

            // The parser and resolver bound the depth themselves.
            MaxDepth = int.MaxValue,
        };
        using (var writer = new Utf8JsonWriter(buffer, options))
        {
            Write(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, HoconValue value)
    {
        switch (value)
        {
            case HoconObject obj:
                writer.WriteStartObject();
                foreach (var (key, field) in obj)
                {
                    writer.WritePropertyName(key);
                    Write(writer, field);
                }

                writer.WriteEndObject();
                break;
            case HoconArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case HoconScalar { Kind: HoconValueKind.Number } number:
                writer.WriteRawValue(number.Text, skipInputValidation: true);
                break;
            case HoconScalar { Kind: HoconValueKind.Boolean } boolean:
                writer.WriteBooleanValue(boolean.Text == "true");
                break;
            case HoconScalar { Kind: HoconValueKind.Null }:
                writer.WriteNullValue();
                break;
            case HoconScalar scalar:
                writer.WriteStringValue(scalar.Text);
                break;
            default:
                throw new InvalidOperationException("Only resolved trees can be rendered.");
        }
    }
}
