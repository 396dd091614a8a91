{#- The business-minute odometer: business minutes of `queue` from the calendar's first day up
    to `timestamp_column`. `calendar` is an alias of int_business_days_accumulated joined on the
    ticket's queue and cast(timestamp_column as date). Business minutes between two timestamps
    are odometer(later) - odometer(earlier): one equi-join per timestamp, no per-day expansion.
    Business hours are read in UTC, like every timestamp in the warehouse. -#}
{% macro business_minute_odometer(timestamp_column, calendar) -%}
    (
        {{ calendar }}.business_minutes_before
        + least(
            greatest(
                {{ minutes_since_midnight(timestamp_column) }} - {{ calendar }}.opens_minute,
                0
            ),
            {{ calendar }}.business_minutes
        )
    )
{%- endmacro %}


{% macro minutes_since_midnight(timestamp_column) -%}
    (date_diff('second', date_trunc('day', {{ timestamp_column }}), {{ timestamp_column }}) / 60.0)
{%- endmacro %}


{#- 'HH:MM' (24:00 allowed for a queue open until midnight) -> minutes after midnight. -#}
{% macro clock_to_minutes(column) -%}
    (cast(split_part({{ column }}, ':', 1) as integer) * 60 + cast(split_part({{ column }}, ':', 2) as integer))
{%- endmacro %}
