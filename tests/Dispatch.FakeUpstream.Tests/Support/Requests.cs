using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Dispatch.FakeUpstream.Tests.Support;

/// <summary>Builds the requests the specs send, so each spec shows only what it varies.</summary>
public static class Requests
{
    /// <summary>A chat request whose single message has <paramref name="contentChars"/> characters.</summary>
    public static string ChatBody(int contentChars = 40, int? maxTokens = 16, int? n = null, string model = "gpt-test")
    {
        var body = new Dictionary<string, object?>
        {
            ["model"] = model,
            ["messages"] = new[] { new { role = "user", content = new string('a', contentChars) } },
        };
        if (maxTokens is not null) body["max_tokens"] = maxTokens;
        if (n is not null) body["n"] = n;
        return JsonSerializer.Serialize(body);
    }

    /// <summary>A Responses API request whose <c>input</c> string has <paramref name="inputChars"/> characters.</summary>
    public static string ResponsesBody(int inputChars = 40, int? maxOutputTokens = 100, bool stream = false, string model = "gpt-test")
    {
        var body = new Dictionary<string, object?> { ["model"] = model, ["input"] = new string('a', inputChars) };
        if (maxOutputTokens is not null) body["max_output_tokens"] = maxOutputTokens;
        if (stream) body["stream"] = true;
        return JsonSerializer.Serialize(body);
    }

    public static HttpRequestMessage Responses(string? body = null, string? apiKey = null, string? callId = null, string? faultScript = null) =>
        Post("v1/responses", body ?? ResponsesBody(), apiKey, callId, faultScript);

    public static HttpRequestMessage Chat(string? body = null, string? apiKey = null, string? callId = null, string? faultScript = null) =>
        Post("v1/chat/completions", body ?? ChatBody(), apiKey, callId, faultScript);

    /// <summary>An echo request charged exactly <paramref name="tokens"/> tokens.</summary>
    public static HttpRequestMessage Echo(long tokens = 1, string body = "{\"hello\":\"world\"}", string? apiKey = null, string? callId = null, string? faultScript = null)
    {
        var request = Post("v1/echo", body, apiKey, callId, faultScript);
        request.Headers.Add(FakeUpstreamHeaders.Tokens, tokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return request;
    }

    public static HttpRequestMessage Post(string path, string body, string? apiKey = null, string? callId = null, string? faultScript = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        if (callId is not null) request.Headers.Add(FakeUpstreamHeaders.CallId, callId);
        if (faultScript is not null) request.Headers.Add(FakeUpstreamHeaders.Fault, faultScript);
        return request;
    }

    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }
}
