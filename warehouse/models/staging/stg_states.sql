-- States with their census region: one row per state.
with source as (
    select * from {{ source('states') }}
),

final as (
    select
        state_code as state,
        name as state_name,
        region as census_region,
        country
    from source
)

select * from final
