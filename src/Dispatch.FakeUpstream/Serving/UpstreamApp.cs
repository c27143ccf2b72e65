using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>Builds the Kestrel application: a slim host, one listener, the API and admin routes.</summary>
internal static class UpstreamApp
{
    public static WebApplication Build(FakeUpstreamOptions options, UpstreamState state)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(UpstreamApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });

        builder.Logging.ClearProviders();
        if (options.LoggerProvider is { } provider) builder.Logging.AddProvider(provider);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Listen(options.BindAddress, options.Port);
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);

        var app = builder.Build();
        var api = new ApiRequestHandler(state);
        app.MapPost("/v1/chat/completions", context => api.HandleAsync(context, ApiRoute.ChatCompletions));
        app.MapPost("/v1/echo", context => api.HandleAsync(context, ApiRoute.Echo));
        app.MapPost("/v1/embeddings", context => api.HandleAsync(context, ApiRoute.Embeddings));
        app.MapPost("/v1/responses", context => api.HandleAsync(context, ApiRoute.Responses));
        AdminEndpoints.Map(app, state);
        return app;
    }
}
