-- Calendar days 2015–2035 not yet in the warehouse, with season and US federal holidays.
with days as (
    select cast(d as date) as date
    from range(date '2015-01-01', date '2036-01-01', interval 1 day) t(d)
),

attributes as (
    select
        date,
        cast(strftime(date, '%Y%m%d') as integer) as date_key,
        day(date) as day,
        weekofyear(date) as week,
        month(date) as month,
        monthname(date) as month_name,
        quarter(date) as quarter,
        year(date) as year,
        case when month(date) in (12, 1, 2) then 'winter' when month(date) in (3, 4, 5) then 'spring'
             when month(date) in (6, 7, 8) then 'summer' else 'autumn' end as season,
        isodow(date) as weekday,
        dayname(date) as weekday_name,
        isodow(date) >= 6 as is_weekend,
        -- nth weekday of the month, for the floating holidays
        (day(date) - 1) // 7 + 1 as nth_weekday,
        month(date + interval 7 day) <> month(date) as last_weekday_of_month
    from days
),

final as (
    select
        date_key, date, day, week, month, month_name, quarter, year, season, weekday, weekday_name, is_weekend,
        (month = 1 and day = 1) or (month = 7 and day = 4) or (month = 11 and day = 11) or (month = 12 and day = 25)
            or (month = 6 and day = 19)
            or (month = 1 and weekday = 1 and nth_weekday = 3)              -- Martin Luther King Jr. Day
            or (month = 2 and weekday = 1 and nth_weekday = 3)              -- Presidents' Day
            or (month = 5 and weekday = 1 and last_weekday_of_month)        -- Memorial Day
            or (month = 9 and weekday = 1 and nth_weekday = 1)              -- Labor Day
            or (month = 10 and weekday = 1 and nth_weekday = 2)             -- Columbus Day
            or (month = 11 and weekday = 4 and nth_weekday = 4)             -- Thanksgiving
            as is_holiday
    from attributes
    where date_key not in (select date_key from {{ this }})
)

select * from final
