{#- Business minutes of a schedule from its first window up to `timestamp_column`: `window` is
    the alias of the int_schedule_windows row ASOF-joined on the schedule and
    timestamp_column >= window_start (the latest window that opened by then). Business minutes
    between two times are odometer(later) - odometer(earlier); null outside the calendar. -#}
{% macro schedule_odometer(timestamp_column, window) -%}
    (
        {{ window }}.minutes_before
        + least(
            greatest({{ minutes_between(window ~ '.window_start', timestamp_column) }}, 0),
            {{ window }}.window_minutes
        )
    )
{%- endmacro %}


{#- The moment a schedule's odometer reaches `odometer_column`: `window` is the alias of the
    int_schedule_windows row ASOF-joined on the schedule and odometer_column > minutes_before
    (the window in which that business minute falls); null past the calendar's last window. -#}
{% macro schedule_time_at(odometer_column, window) -%}
    case
        when {{ odometer_column }} - {{ window }}.minutes_before <= {{ window }}.window_minutes
            then {{ window }}.window_start
            + to_seconds(
                cast(round(({{ odometer_column }} - {{ window }}.minutes_before) * 60) as bigint)
            )
    end
{%- endmacro %}
