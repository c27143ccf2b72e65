using Dispatch.Core.Options;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Tests;

public class ClusterQuotaOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        var options = new ClusterQuotaOptions();

        Assert.Empty(options.GetErrors());
        Assert.Equal("dispatch", options.Role);
        Assert.Equal(4, options.MinLeaseRequests);
        Assert.Equal(TimeSpan.FromSeconds(2), options.RequestTimeout);
    }

    [Fact]
    public void Validation_names_every_wrong_key_by_its_configuration_path()
    {
        var options = new ClusterQuotaOptions
        {
            Role = " ",
            LeaseSpan = TimeSpan.Zero,
            MinLeaseRequests = 0,
            MaxLeaseRequests = -1,
            RequestTimeout = TimeSpan.FromSeconds(-1),
        };

        var error = Assert.Throws<DispatchOptionsException>(options.Validate);

        Assert.Equal(
            ["dispatch.cluster.quota.role", "dispatch.cluster.quota.lease-span", "dispatch.cluster.quota.min-lease-requests",
             "dispatch.cluster.quota.max-lease-requests", "dispatch.cluster.quota.request-timeout"],
            error.Errors.Select(e => e.Split(' ')[0]));
    }

    [Fact]
    public void A_lease_may_ask_for_a_million_request_credits_at_most()
    {
        var options = new ClusterQuotaOptions { MinLeaseRequests = 2_000_000, MaxLeaseRequests = 3_000_000 };

        var errors = options.GetErrors();

        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Contains("1000000", e, StringComparison.Ordinal));
    }

    [Fact]
    public void An_unpaced_lease_spans_a_twentieth_of_the_interval_at_most()
    {
        var limits = new RateLimitOptions { Interval = TimeSpan.FromSeconds(60), Pacing = RateLimitPacing.Burst };

        Assert.Equal(TimeSpan.FromSeconds(3), new ClusterQuotaOptions().SpanFor(limits));
        Assert.Equal(TimeSpan.FromSeconds(1), new ClusterQuotaOptions { LeaseSpan = TimeSpan.FromSeconds(1) }.SpanFor(limits));
        Assert.Equal(TimeSpan.FromSeconds(3), new ClusterQuotaOptions { LeaseSpan = TimeSpan.FromSeconds(10) }.SpanFor(limits));
    }

    [Fact]
    public void A_paced_lease_spans_a_third_of_the_interval_at_most_and_reports_keep_the_twentieth()
    {
        var limits = new RateLimitOptions { Interval = TimeSpan.FromSeconds(60), Pacing = RateLimitPacing.Smooth };

        Assert.Equal(TimeSpan.FromSeconds(20), new ClusterQuotaOptions().SpanFor(limits));
        Assert.Equal(TimeSpan.FromSeconds(10), new ClusterQuotaOptions { LeaseSpan = TimeSpan.FromSeconds(10) }.SpanFor(limits));
        Assert.Equal(TimeSpan.FromSeconds(20), new ClusterQuotaOptions { LeaseSpan = TimeSpan.FromSeconds(30) }.SpanFor(limits));
        Assert.Equal(TimeSpan.FromSeconds(3), new ClusterQuotaOptions().UnpacedSpanFor(limits));
    }

    [Fact]
    public void A_lease_asks_for_a_quarter_of_the_request_limit_at_most_by_default()
    {
        var options = new ClusterQuotaOptions();

        Assert.Equal(75, options.MaxLeaseFor(new RateLimitOptions { Requests = 300 }));
        Assert.Equal(4, options.MaxLeaseFor(new RateLimitOptions { Requests = 12 }));
        Assert.Equal(1000, options.MaxLeaseFor(new RateLimitOptions { Requests = 1_000_000 }));
        Assert.Equal(1000, options.MaxLeaseFor(new RateLimitOptions { Requests = null, Tokens = 5000 }));
        Assert.Equal(7, (options with { MaxLeaseRequests = 7 }).MaxLeaseFor(new RateLimitOptions { Requests = 300 }));
    }
}
