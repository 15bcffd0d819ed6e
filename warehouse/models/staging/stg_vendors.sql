-- Vendors, renamed: no contact details pass.
with source as (
    select * from {{ source('vendors') }}
),

final as (
    select
        vendor_id,
        name as vendor_name,
        country
    from source
)

select * from final
